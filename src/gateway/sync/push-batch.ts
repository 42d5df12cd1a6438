import type { Db } from '../store/database.ts';
import type { Outbox, OutboxEntry } from './outbox.ts';

export interface ProjectRow {
  name: string;
  id: string;
  description: string;
  createdAt: number;
  updatedAt: number;
}

export interface ContextRow {
  id: string;
  project: string;
  label: string;
  version: number;
  content: string;
  priority: string;
  tags: string;
  contentHash: string;
  createdAt: number;
  clientId: string | null;
  sessionId: string | null;
}

export interface TombstoneRow {
  id: string;
  archivedAt: number;
  archivedBy: string | null;
  archivedIn: string | null;
}

export interface SessionRow {
  id: string;
  project: string;
  clientId: string;
  clientName: string;
  instanceKey: string;
  startedAt: number;
  lastActivityAt: number;
  callCount: number;
  lastTool: string | null;
  endedAt: number | null;
  endReason: string | null;
}

export interface HandoverRow {
  id: string;
  project: string;
  sessionId: string;
  clientId: string;
  clientName: string;
  startedAt: number;
  endedAt: number;
  endReason: string;
  summary: string;
  content: string;
  createdAt: number;
}

export interface NoteRow {
  id: string;
  project: string;
  sessionId: string;
  kind: string;
  text: string;
  createdAt: number;
}

export interface ConflictRow {
  id: string;
  project: string;
  label: string;
  version: number;
  keptContextId: string | null;
  movedContextId: string;
  movedToVersion: number;
  detail: string;
  detectedAt: number;
}

/** One push: the current state of every row the outbox entries up to `lastSeq` name. */
export interface PushBatch {
  lastSeq: number;
  entries: number;
  projectDeletes: string[];
  projects: ProjectRow[];
  contexts: ContextRow[];
  archives: TombstoneRow[];
  restores: string[];
  sessions: SessionRow[];
  handovers: HandoverRow[];
  notes: NoteRow[];
  conflicts: ConflictRow[];
}

export interface BatchLimits {
  maxEntries: number;
  /** Context text per batch; a few huge contexts make a small batch rather than a huge statement. */
  maxBytes: number;
}

const CONTEXT_COLUMNS = `id, project_name AS project, label, version, content, priority, tags, content_hash AS contentHash,
  created_at AS createdAt, client_id AS clientId, session_id AS sessionId`;

const idsJson = (ids: Iterable<string>): string => JSON.stringify([...ids]);

/**
 * Reads the next batch from the outbox. Entries are references, so each row is pushed in its state
 * now; a row deleted since (its project was deleted) is simply skipped.
 */
export function readPushBatch(db: Db, outbox: Outbox, limits: BatchLimits): PushBatch | undefined {
  let entries = outbox.peek(limits.maxEntries);
  if (entries.length === 0) return undefined;
  entries = cutAtByteLimit(db, entries, limits.maxBytes);
  const ids = (entity: OutboxEntry['entity'], op: OutboxEntry['op']) =>
    new Set(entries.filter((e) => e.entity === entity && e.op === op).map((e) => e.rowId));

  const contextIds = ids('context', 'upsert');
  const contexts = contextIds.size === 0 ? [] : (db
    .prepare(
      `SELECT ${CONTEXT_COLUMNS} FROM contexts WHERE id IN (SELECT value FROM json_each(@ids))
       UNION ALL SELECT ${CONTEXT_COLUMNS} FROM archived_contexts WHERE id IN (SELECT value FROM json_each(@ids))`,
    )
    .all({ ids: idsJson(contextIds) }) as ContextRow[]);

  // Archive and restore push the row's state now, decided by the last of those ops in this batch.
  const lastTombstoneOp = new Map<string, 'archive' | 'restore'>();
  for (const entry of entries) {
    if (entry.entity === 'context' && (entry.op === 'archive' || entry.op === 'restore')) lastTombstoneOp.set(entry.rowId, entry.op);
  }
  const archivedNow = new Map<string, TombstoneRow>();
  const liveNow = new Set<string>();
  if (lastTombstoneOp.size > 0) {
    const json = idsJson(lastTombstoneOp.keys());
    for (const row of db
      .prepare(
        `SELECT id, archived_at AS archivedAt, archived_by_client AS archivedBy, archived_in_session AS archivedIn
         FROM archived_contexts WHERE id IN (SELECT value FROM json_each(?))`,
      )
      .all(json) as TombstoneRow[]) {
      archivedNow.set(row.id, row);
    }
    for (const id of db.prepare('SELECT id FROM contexts WHERE id IN (SELECT value FROM json_each(?))').pluck().all(json) as string[]) {
      liveNow.add(id);
    }
  }
  const archives: TombstoneRow[] = [];
  const restores: string[] = [];
  for (const [id, op] of lastTombstoneOp) {
    if (op === 'archive' && archivedNow.has(id)) archives.push(archivedNow.get(id)!);
    if (op === 'restore' && liveNow.has(id)) restores.push(id);
  }

  const rowsOf = <T>(entity: OutboxEntry['entity'], sql: string): T[] => {
    const set = ids(entity, 'upsert');
    return set.size === 0 ? [] : (db.prepare(sql).all(idsJson(set)) as T[]);
  };
  const inList = 'IN (SELECT value FROM json_each(?))';
  return {
    lastSeq: entries[entries.length - 1]!.seq,
    entries: entries.length,
    projectDeletes: [...ids('project', 'delete')],
    projects: rowsOf<ProjectRow>(
      'project',
      `SELECT name, id, description, created_at AS createdAt, updated_at AS updatedAt FROM projects WHERE name ${inList}`,
    ),
    contexts,
    archives,
    restores,
    sessions: rowsOf<SessionRow>(
      'work_session',
      `SELECT id, project_name AS project, client_id AS clientId, client_name AS clientName, instance_key AS instanceKey,
         started_at AS startedAt, last_activity_at AS lastActivityAt, call_count AS callCount, last_tool AS lastTool,
         ended_at AS endedAt, end_reason AS endReason
       FROM work_sessions WHERE origin IS NULL AND id ${inList}`,
    ),
    handovers: rowsOf<HandoverRow>(
      'handover',
      `SELECT id, project_name AS project, session_id AS sessionId, client_id AS clientId, client_name AS clientName,
         started_at AS startedAt, ended_at AS endedAt, end_reason AS endReason, summary, content, created_at AS createdAt
       FROM handovers WHERE id ${inList}`,
    ),
    notes: rowsOf<NoteRow>(
      'note',
      `SELECT id, project_name AS project, session_id AS sessionId, kind, text, created_at AS createdAt FROM notes WHERE id ${inList}`,
    ),
    conflicts: rowsOf<ConflictRow>(
      'conflict',
      `SELECT id, project_name AS project, label, version, kept_context_id AS keptContextId, moved_context_id AS movedContextId,
         moved_to_version AS movedToVersion, detail, detected_at AS detectedAt
       FROM sync_conflicts WHERE id ${inList}`,
    ),
  };
}

/** Keeps entries while the context text they name stays under `maxBytes` (always at least one). */
function cutAtByteLimit(db: Db, entries: OutboxEntry[], maxBytes: number): OutboxEntry[] {
  const contextIds = entries.filter((e) => e.entity === 'context' && e.op === 'upsert').map((e) => e.rowId);
  if (contextIds.length === 0) return entries;
  const sizes = new Map(
    (db
      .prepare(
        `SELECT id, length(CAST(content AS BLOB)) AS bytes FROM contexts WHERE id IN (SELECT value FROM json_each(@ids))
         UNION ALL SELECT id, length(CAST(content AS BLOB)) FROM archived_contexts WHERE id IN (SELECT value FROM json_each(@ids))`,
      )
      .all({ ids: JSON.stringify(contextIds) }) as { id: string; bytes: number }[]).map((row) => [row.id, row.bytes]),
  );
  let total = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.entity !== 'context' || entry.op !== 'upsert') continue;
    total += sizes.get(entry.rowId) ?? 0;
    if (total > maxBytes && i > 0) return entries.slice(0, i);
  }
  return entries;
}
