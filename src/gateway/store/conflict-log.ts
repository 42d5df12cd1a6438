import type { Db } from './database.ts';

/** A version two machines created apart: both kept, the later one moved to the next version. */
export interface ConflictRow {
  id: string;
  project: string;
  label: string;
  /** The version number both machines created. */
  version: number;
  keptContextId: string | null;
  movedContextId: string;
  movedToVersion: number;
  detail: string;
  detectedAt: number;
}

/** Rows written by a machine carry it, so a machine can skip its own changes when pulling. */
export interface FromOrigin {
  /** The machine that wrote the row (for conflicts: the server on push, or a machine on pull). */
  origin: string;
}

/** A conflict as the status views show it. */
export interface SyncConflictView {
  id: string;
  project: string;
  label: string;
  detail: string;
  at: string;
}

/** A conflict as this machine records it. */
export type SyncConflict = ConflictRow & FromOrigin;

/** Conflicts seen by this machine or pulled from others, for the status views. */
export class ConflictLog {
  private readonly insertStmt;
  private readonly recentStmt;
  private readonly countStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT OR IGNORE INTO sync_conflicts (id, project_name, label, version, kept_context_id, moved_context_id, moved_to_version, detail, detected_at, origin)
       VALUES (@id, @project, @label, @version, @keptContextId, @movedContextId, @movedToVersion, @detail, @detectedAt, @origin)`,
    );
    this.recentStmt = db.prepare(
      'SELECT id, project_name AS project, label, detail, detected_at AS at FROM sync_conflicts ORDER BY detected_at DESC, id LIMIT ?',
    );
    this.countStmt = db.prepare('SELECT count(*) AS n FROM sync_conflicts').pluck();
  }

  /** Stores a conflict once (by id); returns false when it was already known. */
  add(conflict: SyncConflict): boolean {
    return this.insertStmt.run(conflict).changes === 1;
  }

  /** All conflicts ever recorded, however many `recent` lists. */
  count(): number {
    return this.countStmt.get() as number;
  }

  recent(limit: number): SyncConflictView[] {
    return (this.recentStmt.all(limit) as (Omit<SyncConflictView, 'at'> & { at: number })[]).map((row) => ({
      ...row,
      at: new Date(row.at).toISOString(),
    }));
  }
}

export function describeConflict(label: string, version: number, movedToVersion: number, sameText: boolean): string {
  return (
    `Two machines created version ${version} of "${label}" while apart. Both texts are kept: the one that reached ` +
    `the server first stays v${version}, the other is now v${movedToVersion}${sameText ? ' (the texts are identical)' : ''}.`
  );
}
