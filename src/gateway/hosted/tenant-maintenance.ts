import type pg from 'pg';
import type { Clock } from '../clock.ts';
import { ACTIVITY_RETENTION_MS } from '../store/activity.ts';
import { APPLIED_CALL_RETENTION_MS } from '../store/applied-calls.ts';
import { quoteIdent } from '../pg/remote-schema.ts';

/** Tidying a tenant more often than this would only cost queries. */
const TIDY_INTERVAL_MS = 6 * 60 * 60_000;

/**
 * Keeps the hosted-only tables of each tenant from growing with time: the call log of ended
 * sessions after a month, the live state of sessions that ended, the answers kept for resent calls.
 * Any process may do it.
 */
export class TenantMaintenance {
  private readonly pool: pg.Pool;
  private readonly clock: Clock;
  private readonly lastTidied = new Map<string, number>();

  constructor(pool: pg.Pool, clock: Clock) {
    this.pool = pool;
    this.clock = clock;
  }

  async tidy(schema: string): Promise<void> {
    const now = this.clock.now();
    if (now - (this.lastTidied.get(schema) ?? -Infinity) < TIDY_INTERVAL_MS) return;
    this.lastTidied.set(schema, now);
    const s = quoteIdent(schema);
    await this.pool.query(
      `DELETE FROM ${s}.activity a WHERE a.at < $1
         AND (a.session_id IS NULL OR NOT EXISTS (SELECT 1 FROM ${s}.work_sessions ws WHERE ws.id = a.session_id AND ws.ended_at IS NULL))`,
      [new Date(now - ACTIVITY_RETENTION_MS)],
    );
    await this.pool.query(`DELETE FROM ${s}.applied_calls WHERE at < $1`, [new Date(now - APPLIED_CALL_RETENTION_MS)]);
    await this.pool.query(
      `DELETE FROM ${s}.session_state st WHERE NOT EXISTS (SELECT 1 FROM ${s}.work_sessions ws WHERE ws.id = st.session_id AND ws.ended_at IS NULL)`,
    );
  }
}
