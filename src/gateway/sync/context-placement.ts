import type { ContextStore } from '../store/contexts.ts';
import type { Db } from '../store/database.ts';
import type { Outbox } from '../store/outbox.ts';
import type { ContextRow } from './sync-rows.ts';

/** A row to put at a version: an existing local row (by id) or a new one from Postgres. */
export interface PlacementTarget {
  id: string;
  version: number;
  insert?: NewLocalVersion;
}

/** A version pulled from Postgres, placed at the version the placement decides. */
export type NewLocalVersion = Omit<ContextRow, 'version'> & {
  archived: { at: number; by: string | null; in: string | null } | null;
};

/** A local row that had to make room: it keeps its text under a higher version. */
export interface Displaced {
  id: string;
  from: number;
  to: number;
  /** The target now holding `from`, when this row was in its way (not just moved to keep order). */
  collidedWith: string | null;
  /** True when this machine had not pushed the row yet. */
  pending: boolean;
}

interface LocalRow {
  id: string;
  version: number;
}

// Versions are moved through this range so the UNIQUE (project, label, version) constraints hold
// at every step (the live table also forbids versions below 1).
const PARKED = 1_000_000_000;

/**
 * Puts context versions of one label at the numbers Postgres gave them. A local row in the way, and
 * every later unpushed row of the label, moves above the highest version, in its own order: both
 * texts stay, and this machine's newer text stays the latest. Keeps latest flags and the full-text
 * index right via ContextStore.refreshLatest. Call inside a transaction.
 */
export class ContextPlacement {
  private readonly contexts: ContextStore;
  private readonly outbox: Outbox;
  private readonly stmts;

  constructor(db: Db, contexts: ContextStore, outbox: Outbox) {
    this.contexts = contexts;
    this.outbox = outbox;
    this.stmts = {
      rows: db.prepare(
        `SELECT id, version FROM contexts WHERE project_name = ? AND label = ?
         UNION ALL SELECT id, version FROM archived_contexts WHERE project_name = ? AND label = ?`,
      ),
      setLive: db.prepare('UPDATE contexts SET version = ? WHERE id = ?'),
      setArchived: db.prepare('UPDATE archived_contexts SET version = ? WHERE id = ?'),
      maxPlaced: db
        .prepare(
          `SELECT max(v) FROM (SELECT max(version) AS v FROM contexts WHERE project_name = ? AND label = ? AND version < ${PARKED}
           UNION ALL SELECT max(version) FROM archived_contexts WHERE project_name = ? AND label = ? AND version < ${PARKED})`,
        )
        .pluck(),
      insertLive: db.prepare(
        `INSERT INTO contexts (id, project_name, label, version, content, priority, tags, content_hash, is_latest, created_at, client_id, session_id)
         VALUES (@id, @project, @label, @version, @content, @priority, @tags, @contentHash, 0, @createdAt, @clientId, @sessionId)`,
      ),
      insertArchived: db.prepare(
        `INSERT INTO archived_contexts (id, project_name, label, version, content, priority, tags, content_hash, created_at, client_id,
           session_id, archived_at, archived_by_client, archived_in_session)
         VALUES (@id, @project, @label, @version, @content, @priority, @tags, @contentHash, @createdAt, @clientId, @sessionId,
           @archivedAt, @archivedBy, @archivedIn)`,
      ),
    };
  }

  place(project: string, label: string, targets: PlacementTarget[]): Displaced[] {
    const local = this.stmts.rows.all(project, label, project, label) as LocalRow[];
    const byId = new Map(local.map((row) => [row.id, row]));
    const targetIds = new Set(targets.map((t) => t.id));
    const holderOf = new Map(targets.map((t) => [t.version, t.id]));

    const moving = targets.filter((t) => byId.has(t.id) && byId.get(t.id)!.version !== t.version);
    for (const target of moving) this.setVersion(target.id, PARKED + byId.get(target.id)!.version);

    const others = local.filter((row) => !targetIds.has(row.id));
    const inTheWay = others.filter((row) => holderOf.has(row.version));
    // Unpushed rows after a row in the way, or after one of ours that moved, follow it up.
    const starts = [...inTheWay.map((row) => row.version), ...moving.map((t) => byId.get(t.id)!.version)];
    let displaced: { row: LocalRow; collidedWith: string | null; pending: boolean }[] = [];
    if (starts.length > 0) {
      const lowest = Math.min(...starts);
      displaced = others
        .map((row) => ({ row, collidedWith: holderOf.get(row.version) ?? null, pending: this.isPending(row.id) }))
        .filter(({ row, collidedWith, pending }) => collidedWith !== null || (pending && row.version > lowest))
        .sort((a, b) => a.row.version - b.row.version);
      for (const { row } of displaced) this.setVersion(row.id, PARKED + row.version);
    }

    for (const target of targets) {
      if (byId.has(target.id)) {
        if (byId.get(target.id)!.version !== target.version) this.setVersion(target.id, target.version);
      } else if (target.insert) {
        this.insert(target.insert, target.version);
      }
    }

    const result: Displaced[] = [];
    let next = ((this.stmts.maxPlaced.get(project, label, project, label) as number | null) ?? 0) + 1;
    for (const { row, collidedWith, pending } of displaced) {
      this.setVersion(row.id, next);
      result.push({ id: row.id, from: row.version, to: next, collidedWith, pending });
      next += 1;
    }
    this.contexts.refreshLatest(project, label);
    return result;
  }

  private insert(row: NewLocalVersion, version: number): void {
    if (row.archived) {
      this.stmts.insertArchived.run({ ...row, version, archivedAt: row.archived.at, archivedBy: row.archived.by, archivedIn: row.archived.in });
    } else {
      this.stmts.insertLive.run({ ...row, version });
    }
  }

  private setVersion(id: string, version: number): void {
    if (this.stmts.setLive.run(version, id).changes === 0) this.stmts.setArchived.run(version, id);
  }

  private isPending(id: string): boolean {
    return this.outbox.hasPending('context', id, ['upsert']);
  }
}
