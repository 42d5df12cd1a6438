import type { Clock } from '../clock.ts';
import type { Db } from './database.ts';

/** Long enough for the bridge's retries (30 s) across a gateway restart; short enough to stay small. */
export const APPLIED_CALL_RETENTION_MS = 15 * 60_000;

/** The first answer to a write call, kept so a resent call is answered from it instead of running again. */
export interface AppliedCall {
  /** Which call it was (tool and arguments), so a reused key with other content runs normally. */
  fingerprint: string;
  /** The CallToolResult, as JSON. */
  result: string;
}

/** Write calls applied per client and call key (local only, never synced). */
export class AppliedCallStore {
  private readonly clock: Clock;
  private readonly stmts;

  constructor(db: Db, clock: Clock) {
    this.clock = clock;
    this.stmts = {
      find: db.prepare('SELECT fingerprint, result FROM applied_calls WHERE client_id = ? AND call_key = ?'),
      record: db.prepare(
        `INSERT INTO applied_calls (client_id, call_key, fingerprint, result, at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (client_id, call_key) DO UPDATE SET fingerprint = excluded.fingerprint, result = excluded.result, at = excluded.at`,
      ),
      prune: db.prepare('DELETE FROM applied_calls WHERE at < ?'),
    };
  }

  find(clientId: string, key: string): AppliedCall | undefined {
    return this.stmts.find.get(clientId, key) as AppliedCall | undefined;
  }

  record(clientId: string, key: string, call: AppliedCall): void {
    this.stmts.record.run(clientId, key, call.fingerprint, call.result, this.clock.now());
  }

  /** Forgets calls applied before `before`; returns how many. */
  prune(before: number): number {
    return this.stmts.prune.run(before).changes;
  }
}
