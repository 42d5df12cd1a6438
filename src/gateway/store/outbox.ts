import type { Clock } from '../clock.ts';
import type { Db } from './database.ts';

/** What a change is about; the row itself is read at push time, so the outbox holds references only. */
export type OutboxEntity = 'project' | 'context' | 'work_session' | 'handover' | 'note' | 'conflict';
/** `upsert` for a new or changed row; contexts also `archive`/`restore`, projects also `delete`. */
export type OutboxOp = 'upsert' | 'delete' | 'archive' | 'restore';

export interface OutboxEntry {
  seq: number;
  entity: OutboxEntity;
  op: OutboxOp;
  rowId: string;
}

/**
 * Enqueues every row written before the outbox existed (or before a new sync target), in an order
 * that keeps dependencies: projects, then contexts by creation, then tombstones, then the rest.
 */
export const SEED_OUTBOX_SQL = `
  INSERT INTO sync_outbox (entity, op, row_id, created_at) SELECT 'project', 'upsert', name, created_at FROM projects ORDER BY created_at;
  INSERT INTO sync_outbox (entity, op, row_id, created_at)
    SELECT 'context', 'upsert', id, created_at FROM (
      SELECT id, created_at, version FROM contexts UNION ALL SELECT id, created_at, version FROM archived_contexts)
    ORDER BY created_at, version;
  INSERT INTO sync_outbox (entity, op, row_id, created_at) SELECT 'context', 'archive', id, archived_at FROM archived_contexts ORDER BY archived_at;
  INSERT INTO sync_outbox (entity, op, row_id, created_at) SELECT 'work_session', 'upsert', id, started_at FROM work_sessions WHERE origin IS NULL ORDER BY started_at;
  INSERT INTO sync_outbox (entity, op, row_id, created_at) SELECT 'handover', 'upsert', id, created_at FROM handovers ORDER BY created_at;
  INSERT INTO sync_outbox (entity, op, row_id, created_at) SELECT 'note', 'upsert', id, created_at FROM notes ORDER BY created_at;
`;

/**
 * The durable list of local changes not yet in Postgres. Stores append to it in the same SQLite
 * transaction as the change itself, so an acknowledged write is never missing from it.
 */
export class Outbox {
  private readonly db: Db;
  private readonly clock: Clock;
  private readonly insert;
  private readonly countStmt;
  private readonly pendingOp;
  private quiet = 0;
  private readonly listeners = new Set<() => void>();

  constructor(db: Db, clock: Clock) {
    this.db = db;
    this.clock = clock;
    this.insert = db.prepare('INSERT INTO sync_outbox (entity, op, row_id, created_at) VALUES (?, ?, ?, ?)');
    this.countStmt = db.prepare('SELECT count(*) FROM sync_outbox').pluck();
    this.pendingOp = db.prepare('SELECT 1 FROM sync_outbox WHERE row_id = ? AND entity = ? AND op IN (SELECT value FROM json_each(?)) LIMIT 1').pluck();
  }

  /** Records a change; call in the transaction that makes it. Changes applied from a pull are not recorded. */
  record(entity: OutboxEntity, op: OutboxOp, rowId: string): void {
    if (this.quiet > 0) return;
    this.insert.run(entity, op, rowId, this.clock.now());
    for (const listener of this.listeners) listener();
  }

  /** Runs `fn` without recording: for rows that came from Postgres, which must not be echoed back. */
  withoutRecording<T>(fn: () => T): T {
    this.quiet += 1;
    try {
      return fn();
    } finally {
      this.quiet -= 1;
    }
  }

  /** Called after each recorded change (possibly before its transaction commits): a hint to push soon. */
  onRecord(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  pending(): number {
    return this.countStmt.get() as number;
  }

  /** True while a local change of this row (of one of these ops) waits to be pushed. */
  hasPending(entity: OutboxEntity, rowId: string, ops: readonly OutboxOp[]): boolean {
    return this.pendingOp.get(rowId, entity, JSON.stringify(ops)) !== undefined;
  }

  /** The oldest entries after `afterSeq`, in order. */
  peek(limit: number, afterSeq = 0): OutboxEntry[] {
    return this.db.prepare('SELECT seq, entity, op, row_id AS rowId FROM sync_outbox WHERE seq > ? ORDER BY seq LIMIT ?').all(afterSeq, limit) as OutboxEntry[];
  }

  /** Drops entries up to and including `lastSeq`, once Postgres has committed them. */
  acknowledge(lastSeq: number): void {
    this.db.prepare('DELETE FROM sync_outbox WHERE seq <= ?').run(lastSeq);
  }

  /** Enqueues every local row again (a new sync target has none of them). */
  reseed(): void {
    this.db.exec(SEED_OUTBOX_SQL);
  }
}
