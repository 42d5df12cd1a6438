import type { Db } from '../store/database.ts';
import type { Outbox, OutboxEntry } from '../store/outbox.ts';
import type { ContextRow, HandoverRow, NoteRow, SessionRow, TombstoneRow } from './sync-rows.ts';
import type { ConflictRow } from '../store/conflict-log.ts';

export interface ProjectRow {
  name: string;
  id: string;
  description: string;
  createdAt: number;
  updatedAt: number;
  secretPolicy: string;
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
  /** The contexts as a binary COPY stream, when prepared ahead (see encodeContexts in push.ts). */
  encodedContexts?: Buffer;
}

export interface BatchLimits {
  maxEntries: number;
  /** Context text per batch; a few huge contexts make a small batch rather than a huge statement. */
  maxBytes: number;
}

const CONTEXT_COLUMNS = `c.id, c.project_name AS project, c.label, c.version, c.content, c.priority, c.tags, c.content_hash AS contentHash,
  c.created_at AS createdAt, c.client_id AS clientId, c.session_id AS sessionId`;

const idsJson = (ids: Iterable<string>): string => JSON.stringify([...ids]);

/**
 * Reads the next batch from the outbox. Entries are references, so each row is pushed in its state
 * now; a row deleted since (its project was deleted) is simply skipped.
 */
export function readPushBatch(db: Db, outbox: Outbox, limits: BatchLimits, afterSeq = 0): PushBatch | undefined {
  let entries = outbox.peek(limits.maxEntries, afterSeq);
  if (entries.length === 0) return undefined;
  const read = readContexts(db, entries, limits.maxBytes);
  entries = read.entries;
  const contexts = read.rows;
  const ids = (entity: OutboxEntry['entity'], op: OutboxEntry['op']) => new Set(entries.filter((e) => e.entity === entity && e.op === op).map((e) => e.rowId));

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
      `SELECT name, id, description, created_at AS createdAt, updated_at AS updatedAt, secret_policy AS secretPolicy FROM projects WHERE name ${inList}`,
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

/**
 * The contexts the entries name, in entry order, stopping once their text passes `maxBytes` (always
 * at least one); the entries are cut at the same place.
 */
function readContexts(db: Db, entries: OutboxEntry[], maxBytes: number): { entries: OutboxEntry[]; rows: ContextRow[] } {
  const wanted = entries.filter((e) => e.entity === 'context' && e.op === 'upsert');
  if (wanted.length === 0) return { entries, rows: [] };
  const json = JSON.stringify(wanted.map((e) => e.rowId));
  // json_each yields the ids in entry order and each row is found through the id index, so iterating
  // reads no further than the byte limit. Archived versions (rare here) are read in full.
  const live = db.prepare(`SELECT j.key AS position, ${CONTEXT_COLUMNS} FROM json_each(?) j JOIN contexts c ON c.id = j.value`);
  const archived = db.prepare(`SELECT j.key AS position, ${CONTEXT_COLUMNS} FROM json_each(?) j JOIN archived_contexts c ON c.id = j.value`);
  const rows: (ContextRow & { position: number })[] = archived.all(json) as (ContextRow & { position: number })[];
  let bytes = rows.reduce((sum, row) => sum + row.content.length, 0);
  let cut = wanted.length;
  for (const row of live.iterate(json) as IterableIterator<ContextRow & { position: number }>) {
    bytes += row.content.length;
    if (bytes > maxBytes && rows.length > 0) {
      cut = row.position;
      break;
    }
    rows.push(row);
  }
  if (cut === wanted.length) return { entries, rows };
  const lastSeq = wanted[cut]!.seq - 1;
  return { entries: entries.filter((e) => e.seq <= lastSeq), rows: rows.filter((row) => row.position < cut) };
}
