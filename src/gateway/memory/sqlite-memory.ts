import type { Clock } from '../clock.ts';
import type { ActivityLog } from '../store/activity.ts';
import type { AppliedCallStore } from '../store/applied-calls.ts';
import type { ClientStore } from '../store/clients.ts';
import type { ContextStore } from '../store/contexts.ts';
import type { Db } from '../store/database.ts';
import type { HandoverStore } from '../store/handovers.ts';
import type { NoteStore } from '../store/notes.ts';
import type { ProjectStore } from '../store/projects.ts';
import type { ContextSearch } from '../store/search.ts';
import type { WorkSessionStore } from '../store/work-sessions.ts';
import { ensureSecretScanner } from '../secret-scan/screen.ts';
import { screenedContexts, screenedHandovers, screenedNotes, screenedProjects } from './screened-repositories.ts';
import type { ContextRepository, HandoverRepository, Memory, NoteRepository, ProjectRepository, TransactionOptions } from './memory.ts';

export interface SqliteStores {
  db: Db;
  clock: Clock;
  projects: ProjectStore;
  contexts: ContextStore;
  search: ContextSearch;
  clients: ClientStore;
  sessions: WorkSessionStore;
  handovers: HandoverStore;
  notes: NoteStore;
  activity: ActivityLog;
  appliedCalls: AppliedCallStore;
}

/**
 * The local store as Memory: the SQLite stores answer synchronously, so a transaction's work runs
 * to its end without yielding to other requests (its awaits only settle values that are already
 * there), and one connection serves every call without interleaving.
 */
export class SqliteMemory implements Memory {
  readonly clock: Clock;
  readonly projects: ProjectRepository;
  readonly contexts: ContextRepository;
  readonly search: ContextSearch;
  readonly clientState: ClientStore;
  readonly sessions: WorkSessionStore;
  readonly handovers: HandoverRepository;
  readonly notes: NoteRepository;
  readonly activity: ActivityLog;
  readonly appliedCalls: AppliedCallStore;
  private readonly db: Db;
  private readonly begin;
  private readonly commit;
  private readonly rollback;

  constructor(stores: SqliteStores) {
    this.db = stores.db;
    this.clock = stores.clock;
    // Writes that store text pass the secret check first (memory/screened-repositories.ts).
    // A write outside a transaction may wait for the scanner to load; inside one it is loaded
    // already (transaction below), and findSecrets refuses loudly if some path missed that.
    const ready = () => (this.db.inTransaction ? undefined : ensureSecretScanner());
    this.projects = screenedProjects(stores.projects, ready);
    this.contexts = screenedContexts(stores.contexts, stores.projects, ready);
    this.search = stores.search;
    this.clientState = stores.clients;
    this.sessions = stores.sessions;
    this.handovers = screenedHandovers(stores.handovers, stores.projects, ready);
    this.notes = screenedNotes(stores.notes, stores.projects, ready);
    this.activity = stores.activity;
    this.appliedCalls = stores.appliedCalls;
    // IMMEDIATE takes the write lock at once: other processes on the file (the CLI) wait their turn
    // (busy_timeout) instead of failing at the first write.
    this.begin = this.db.prepare('BEGIN IMMEDIATE');
    this.commit = this.db.prepare('COMMIT');
    this.rollback = this.db.prepare('ROLLBACK');
  }

  /** Options change nothing here: WAL with synchronous=NORMAL never waits for the disk at commit. */
  async transaction<T>(work: (memory: Memory) => Promise<T>, _options?: TransactionOptions): Promise<T> {
    if (this.db.inTransaction) return work(this);
    // The secret scanner loads on first need; loading waits for the disk, which must never happen
    // between BEGIN and COMMIT (other calls would interleave). Once loaded this settles at once.
    await ensureSecretScanner();
    this.begin.run();
    let result: T;
    try {
      result = await work(this);
    } catch (error) {
      if (this.db.inTransaction) this.rollback.run();
      throw error;
    }
    this.commit.run();
    return result;
  }
}
