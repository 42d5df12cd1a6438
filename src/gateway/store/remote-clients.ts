import type { Db } from './database.ts';

/** A client of the hosted server, as this desktop knows it from the tenant's Postgres schema. */
export interface RemoteClientRow {
  id: string;
  name: string;
  kind: string;
  createdAt: number;
  lastSeenAt: number | null;
  revokedAt: number | null;
}

/**
 * The local copy of the tenant's hosted clients (pulled by sync, never written otherwise), so the
 * tray and the status window can list them next to the local clients.
 */
export class RemoteClientStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      upsert: db.prepare(
        `INSERT INTO remote_clients (id, name, kind, created_at, last_seen_at, revoked_at)
         VALUES (@id, @name, @kind, @createdAt, @lastSeenAt, @revokedAt)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, last_seen_at = excluded.last_seen_at, revoked_at = excluded.revoked_at`,
      ),
      active: db.prepare(
        `SELECT id, name, kind, created_at AS createdAt, last_seen_at AS lastSeenAt, revoked_at AS revokedAt
         FROM remote_clients WHERE revoked_at IS NULL ORDER BY created_at`,
      ),
    };
  }

  upsert(client: RemoteClientRow): void {
    this.stmts.upsert.run(client);
  }

  /** Clients not revoked, oldest first. */
  active(): RemoteClientRow[] {
    return this.stmts.active.all() as RemoteClientRow[];
  }
}
