import type { Clock } from '../clock.ts';
import type { ActivityEntry, NewActivity } from '../store/activity.ts';
import type { AppliedCall } from '../store/applied-calls.ts';
import type { ClientRecord } from '../store/clients.ts';
import type { Actor, LockResult } from '../store/contexts.ts';
import type { ArchivedVersion, ContextVersion, Priority, VersionSelector } from '../store/context-version.ts';
import type { Handover } from '../store/handovers.ts';
import type { Note, NoteKind } from '../store/notes.ts';
import type { ProjectSummary } from '../store/projects.ts';
import type { SecretPolicy } from '../secret-scan/screen.ts';
import type { SearchFilters, SearchOutcome } from '../store/search.ts';
import type { WorkSession } from '../store/work-sessions.ts';

/**
 * A value or a promise of it. The SQLite stores answer synchronously and the Postgres ones with
 * promises; the tool layer awaits every answer, so one tool layer serves both.
 */
export type Awaitable<T> = T | Promise<T>;

export interface ProjectRepository {
  exists(name: string): Awaitable<boolean>;
  names(): Awaitable<string[]>;
  list(): Awaitable<ProjectSummary[]>;
  get(name: string): Awaitable<ProjectSummary | undefined>;
  /** Creates the project; false when it already existed. */
  create(name: string, description?: string, secretPolicy?: SecretPolicy): Awaitable<boolean>;
  /** What the project does with a write that carries a credential (refuse unless set to mask). */
  secretPolicy(name: string): Awaitable<SecretPolicy>;
  setSecretPolicy(name: string, policy: SecretPolicy): Awaitable<void>;
  /** Deletes the project and every row that belongs to it; counts per table. */
  delete(name: string): Awaitable<Record<string, number>>;
}

export interface ContextRepository {
  /** A new version of `label`; priority or tags left undefined are the latest version's. */
  lock(project: string, label: string, content: string, priority: Priority | undefined, tags: string[] | undefined, actor: Actor): Awaitable<LockResult>;
  get(project: string, label: string, selector?: VersionSelector): Awaitable<ContextVersion | undefined>;
  /** Like get, but a missing label or version is a UserError that says what exists. */
  require(project: string, label: string, selector?: VersionSelector): Awaitable<ContextVersion>;
  /** Live versions of a label, newest first. */
  versions(project: string, label: string): Awaitable<ContextVersion[]>;
  /** The latest live version of every label of the project, by label. */
  latestOfProject(project: string): Awaitable<ContextVersion[]>;
  /** Live versions per label. */
  versionCounts(project: string): Awaitable<Map<string, number>>;
  archivedVersions(project: string, label: string): Awaitable<ArchivedVersion[]>;
  /** always_check versions need force. `actor` is null when the user archives from the desktop app. */
  archive(project: string, label: string, selector: VersionSelector | 'all', force: boolean, actor: Actor | null): Awaitable<ContextVersion[]>;
  restore(project: string, label: string, version: VersionSelector | 'all'): Awaitable<ArchivedVersion[]>;
  /** Latest versions of other labels sharing an LSH band with `content`: near-duplicate candidates (store/near-duplicates.ts). */
  sharingBand(project: string, label: string, content: string): Awaitable<ContextVersion[]>;
  /** Label pairs of the project whose latest versions share a band. */
  pairsSharingBand(project: string): Awaitable<[string, string][]>;
  /** When each label of the project was last read (recalled, or read as a resource), by label. */
  lastReads(project: string): Awaitable<Map<string, number>>;
}

export interface SearchRepository {
  search(project: string, query: string, filters: SearchFilters, limit: number): Awaitable<SearchOutcome>;
}

/** The per-instance project selection of clients (docs/design.md invariant 1's "active project"). */
export interface ClientStateRepository {
  /** The instance's active project, if it still exists (a deleted project is no selection). */
  activeProject(clientId: string, instanceKey: string): Awaitable<string | null>;
  setActiveProject(clientId: string, instanceKey: string, project: string | null): Awaitable<void>;
  /** The client instances whose active project is `project` (one read, for change notifications). */
  instancesOn(project: string): Awaitable<{ clientId: string; instanceKey: string }[]>;
  markSeen(client: ClientRecord): Awaitable<void>;
}

export type NewWorkSession = Pick<WorkSession, 'id' | 'clientId' | 'clientName' | 'instanceKey' | 'project' | 'startedAt' | 'lastActivityAt'>;

export interface WorkSessionRepository {
  findOpen(clientId: string, instanceKey: string, project: string): Awaitable<WorkSession | undefined>;
  byId(id: string): Awaitable<WorkSession | undefined>;
  insert(session: NewWorkSession): Awaitable<void>;
  touch(id: string, at: number, tool: string): Awaitable<void>;
  /** Marks the session ended; false if it already was (so it is finalized exactly once). */
  end(id: string, endedAt: number, reason: string): Awaitable<boolean>;
  /** Open sessions this gateway owns whose last call was at or before `cutoff`. */
  idleSince(cutoff: number): Awaitable<WorkSession[]>;
  /** Open sessions on the project, most recently active first. */
  openOnProject(project: string): Awaitable<WorkSession[]>;
  markHandoverAnnounced(id: string): Awaitable<void>;
}

export interface HandoverRepository {
  /** Stores the handover; returns it as stored (credentials in it masked, see secret-scan). */
  insert(handover: Handover): Awaitable<Handover>;
  /** The most recent handovers (of one project, or all), newest first: ended_at, then created_at. */
  recent(limit: number, project?: string): Awaitable<Handover[]>;
  bySession(sessionId: string): Awaitable<Handover | undefined>;
  count(project: string): Awaitable<number>;
}

export interface NoteRepository {
  add(project: string, sessionId: string, kind: NoteKind, text: string): Awaitable<Note>;
  forSession(sessionId: string): Awaitable<Note[]>;
  /** The project's latest notes, newest first; only those of `kind` when given. */
  recent(project: string, limit: number, kind?: NoteKind): Awaitable<Note[]>;
}

export interface ActivityRepository {
  record(entry: NewActivity): Awaitable<void>;
  forSession(sessionId: string): Awaitable<ActivityEntry[]>;
}

/**
 * Write calls applied for a client, by the call's key (an Idempotency-Key, or session and JSON-RPC
 * id), for a while after they ran: what makes a call retried after a connection reset apply once.
 * Recorded in the call's own transaction, so "applied" and "remembered" commit together.
 */
export interface AppliedCallRepository {
  /**
   * The call applied under this key, if any. Stores with concurrent writers make a second caller
   * with the same key wait here until the first one's transaction has ended.
   */
  find(clientId: string, key: string): Awaitable<AppliedCall | undefined>;
  record(clientId: string, key: string, call: AppliedCall): Awaitable<void>;
}

/**
 * One tenant's memory as the tool layer sees it: the local SQLite store, or a tenant schema in
 * Postgres (hosted mode). Tools, project resolution and work sessions are written against this
 * alone, so both modes run the same code.
 */
export interface Memory {
  readonly clock: Clock;
  readonly projects: ProjectRepository;
  readonly contexts: ContextRepository;
  readonly search: SearchRepository;
  readonly clientState: ClientStateRepository;
  readonly sessions: WorkSessionRepository;
  readonly handovers: HandoverRepository;
  readonly notes: NoteRepository;
  readonly activity: ActivityRepository;
  readonly appliedCalls: AppliedCallRepository;
  /**
   * Runs `work` in one transaction and passes it the memory bound to that transaction: all of it
   * commits, or (when `work` throws) none of it. Inside a transaction it joins the open one.
   */
  transaction<T>(work: (memory: Memory) => Promise<T>, options?: TransactionOptions): Promise<T>;
}

export interface TransactionOptions {
  /**
   * The call only reads memory; what it writes is its own record (the work session's last call,
   * the activity entry). Such a transaction may commit without waiting for the disk: a crash of
   * the store right after it loses that record whole, never memory a client was told is saved.
   */
  recordOnly?: boolean;
  /**
   * Whose call the transaction serves (its client instance, and the call key of a write applied
   * once): a store that serializes calls per instance across processes (hosted Postgres) takes
   * those locks in its first round trip instead of one round trip each later.
   */
  caller?: { clientId: string; instanceKey: string; callKey?: string | undefined };
  /**
   * Reads the call is about to make on `project` (the project it names, or the one the same
   * client instance's last call ran on: a guess, checked by the call's own resolution): a store
   * with round trips (hosted Postgres) sends them in its first one. A read made on another project
   * than guessed is made as usual.
   */
  readsAhead?: { project: string; reads: readonly ReadAhead[] } | undefined;
}

/** A read a call names before it runs (ToolSpec.readsAhead), in the terms of the repositories. */
export type ReadAhead =
  /** ContextRepository.versions of a label. */
  | { kind: 'versions'; label: string }
  /** ContextRepository.sharingBand of a label and text, then the label's latest version (lock_context). */
  | { kind: 'near-duplicates'; label: string; content: string };
