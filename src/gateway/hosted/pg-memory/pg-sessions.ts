import type { Clock } from '../../clock.ts';
import type { NewWorkSession, WorkSessionRepository } from '../../memory/memory.ts';
import type { WorkSession } from '../../store/work-sessions.ts';
import { HOSTED_ORIGIN } from '../pg-transaction.ts';
import { at, type FirstRead, ms, msOrNull, type PgTx } from './pg-tx.ts';
import { literal } from '../prepared-statements.ts';

/** How stale `work_sessions.last_activity_at` may get while a hosted session is open (desktops show it). */
export const PUBLISH_INTERVAL_MS = 60_000;

interface Row {
  id: string;
  client_id: string;
  client_name: string;
  instance_key: string;
  project_name: string;
  started_at: Date;
  last_activity_at: Date;
  call_count: number;
  last_tool: string | null;
  ended_at: Date | null;
  end_reason: string | null;
  handover_announced: boolean;
  published_at: Date | null;
}

const toSession = (row: Row): WorkSession => ({
  id: row.id,
  clientId: row.client_id,
  clientName: row.client_name,
  instanceKey: row.instance_key,
  project: row.project_name,
  startedAt: ms(row.started_at),
  lastActivityAt: ms(row.last_activity_at),
  callCount: row.call_count,
  lastTool: row.last_tool,
  endedAt: msOrNull(row.ended_at),
  endReason: row.end_reason,
  handoverAnnounced: row.handover_announced,
});

/** A session's row as the repository reads it: the synced row with the live state over it. */
function sessionSelect(where: string, order = ''): string {
  return `SELECT ws.id, ws.client_id, ws.client_name, ws.instance_key, ws.project_name, ws.started_at,
      coalesce(st.last_activity_at, ws.last_activity_at) AS last_activity_at, coalesce(st.call_count, ws.call_count) AS call_count,
      coalesce(st.last_tool, ws.last_tool) AS last_tool, ws.ended_at, ws.end_reason, coalesce(st.handover_announced, false) AS handover_announced,
      st.published_at FROM work_sessions ws LEFT JOIN session_state st ON st.session_id = ws.id WHERE ${where} ${order}`;
}

const openSessionsKey = (clientId: string, instanceKey: string): string => `open-sessions\n${clientId}\n${instanceKey}`;

/** The open hosted sessions of a client instance, on every project: findOpen's read for a call's BEGIN round trip (after the instance's lock). */
export const openSessionsRead = (clientId: string, instanceKey: string): FirstRead => ({
  key: openSessionsKey(clientId, instanceKey),
  statement: {
    text: sessionSelect('ws.origin = $1::uuid AND ws.client_id = $2::uuid AND ws.instance_key = $3::text AND ws.ended_at IS NULL'),
    values: [literal(HOSTED_ORIGIN, 'uuid'), literal(clientId, 'uuid'), literal(instanceKey, 'text')],
  },
});

/**
 * Work sessions of the hosted server: the synced `work_sessions` row (written at the start, at the
 * end, and at most once a minute between), plus `session_state` with what changes on every call.
 * Only sessions with the hosted origin are continued or swept here; desktops finalize their own.
 */
export class PgSessions implements WorkSessionRepository {
  private readonly tx: PgTx;
  private readonly clock: Clock;
  /** When each session read in this transaction last had its synced row written (touch needs no read then). */
  private readonly publishedAt = new Map<string, number>();

  constructor(tx: PgTx, clock: Clock) {
    this.tx = tx;
    this.clock = clock;
  }

  async findOpen(clientId: string, instanceKey: string, project: string): Promise<WorkSession | undefined> {
    const ahead = this.tx.prefetched<Row>(openSessionsKey(clientId, instanceKey));
    if (ahead) {
      const open = ahead.find((row) => row.project_name === project);
      return open ? this.read(open) : undefined;
    }
    await this.tx.lockInstance(clientId, instanceKey);
    const row = await this.tx.row<Row>(
      sessionSelect('ws.origin = $1 AND ws.client_id = $2 AND ws.instance_key = $3 AND ws.project_name = $4 AND ws.ended_at IS NULL'),
      [HOSTED_ORIGIN, clientId, instanceKey, project],
    );
    return row ? this.read(row) : undefined;
  }

  async byId(id: string): Promise<WorkSession | undefined> {
    const row = await this.tx.row<Row>(sessionSelect('ws.id = $1'), [id]);
    return row ? this.read(row) : undefined;
  }

  private read(row: Row): WorkSession {
    if (row.published_at) this.publishedAt.set(row.id, ms(row.published_at));
    return toSession(row);
  }

  async insert(session: NewWorkSession): Promise<void> {
    await this.tx.lockInstance(session.clientId, session.instanceKey);
    await this.tx.lockChanges();
    await this.tx.rows(
      `INSERT INTO work_sessions (id, project_name, client_id, client_name, instance_key, started_at, last_activity_at, call_count, origin)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8)`,
      [
        session.id,
        session.project,
        session.clientId,
        session.clientName,
        session.instanceKey,
        at(session.startedAt),
        at(session.lastActivityAt),
        HOSTED_ORIGIN,
      ],
    );
    await this.tx.rows(`INSERT INTO session_state (session_id, last_activity_at, call_count, published_at) VALUES ($1, $2, 0, $3)`, [
      session.id,
      at(session.lastActivityAt),
      at(this.clock.now()),
    ]);
  }

  /** Every call: the live state; the synced row when it is over a minute behind. */
  async touch(id: string, atMs: number, tool: string): Promise<void> {
    const published = this.publishedAt.get(id);
    if (published !== undefined && atMs - published < PUBLISH_INTERVAL_MS) {
      // The synced row is recent: the live state is written with the commit, no round trip of its own.
      this.tx.defer(
        {
          text: 'UPDATE session_state SET last_activity_at = $1::timestamptz, call_count = call_count + 1, last_tool = $2::text WHERE session_id = $3::uuid',
          values: [literal(at(atMs), 'timestamptz'), literal(tool, 'text'), literal(id, 'uuid')],
        },
        'session_state',
      );
      return;
    }
    const state = await this.tx.row<{ published_at: Date }>(
      `UPDATE session_state SET last_activity_at = $2, call_count = call_count + 1, last_tool = $3 WHERE session_id = $1 RETURNING published_at`,
      [id, at(atMs), tool],
    );
    if (!state || atMs - ms(state.published_at) < PUBLISH_INTERVAL_MS) return;
    await this.tx.lockChanges();
    await this.tx.rows(
      `UPDATE work_sessions ws SET last_activity_at = st.last_activity_at, call_count = st.call_count, last_tool = st.last_tool
       FROM session_state st WHERE ws.id = $1 AND st.session_id = ws.id AND ws.ended_at IS NULL`,
      [id],
    );
    await this.tx.rows(`UPDATE session_state SET published_at = $2 WHERE session_id = $1`, [id, at(atMs)]);
  }

  /**
   * Publishes the live state of every open hosted session whose synced row is behind (the periodic
   * flush behind touch's once-a-minute writes, so a burst of calls that then stops still shows).
   * Sessions a call holds right now are skipped: that call, or the next flush, publishes them.
   * Returns how many were published.
   */
  async publishBehind(atMs: number): Promise<number> {
    const behind = await this.tx.rows<{ id: string }>(
      `SELECT st.session_id AS id FROM session_state st JOIN work_sessions ws ON ws.id = st.session_id
       WHERE ws.origin = $1 AND ws.ended_at IS NULL AND (st.call_count <> ws.call_count OR st.last_activity_at <> ws.last_activity_at)
       ORDER BY st.session_id FOR UPDATE OF st SKIP LOCKED`,
      [HOSTED_ORIGIN],
    );
    if (behind.length === 0) return 0;
    const ids = behind.map((row) => row.id);
    await this.tx.lockChanges();
    await this.tx.rows(
      `UPDATE work_sessions ws SET last_activity_at = st.last_activity_at, call_count = st.call_count, last_tool = st.last_tool
       FROM session_state st WHERE ws.id = ANY($1::uuid[]) AND st.session_id = ws.id AND ws.ended_at IS NULL`,
      [ids],
    );
    await this.tx.rows(`UPDATE session_state SET published_at = $2 WHERE session_id = ANY($1::uuid[])`, [ids, at(atMs)]);
    return ids.length;
  }

  /** Ends the session once, with its exact counts; false when it had already ended. */
  async end(id: string, endedAt: number, reason: string): Promise<boolean> {
    const owner = await this.tx.row<{ client_id: string; instance_key: string }>(`SELECT client_id, instance_key FROM work_sessions WHERE id = $1`, [id]);
    if (!owner) return false;
    await this.tx.lockInstance(owner.client_id, owner.instance_key);
    await this.tx.lockChanges();
    const ended = await this.tx.count(
      `UPDATE work_sessions ws SET ended_at = $2, end_reason = $3,
         last_activity_at = coalesce(st.last_activity_at, ws.last_activity_at), call_count = coalesce(st.call_count, ws.call_count),
         last_tool = coalesce(st.last_tool, ws.last_tool)
       FROM (SELECT $1::uuid AS id) AS target LEFT JOIN session_state st ON st.session_id = target.id
       WHERE ws.id = target.id AND ws.ended_at IS NULL`,
      [id, at(endedAt), reason],
    );
    return ended === 1;
  }

  async idleSince(cutoff: number): Promise<WorkSession[]> {
    const rows = await this.tx.rows<Row>(
      sessionSelect('ws.origin = $1 AND ws.ended_at IS NULL AND coalesce(st.last_activity_at, ws.last_activity_at) <= $2', 'ORDER BY 7'),
      [HOSTED_ORIGIN, at(cutoff)],
    );
    return rows.map(toSession);
  }

  async openOnProject(project: string): Promise<WorkSession[]> {
    const rows = await this.tx.rows<Row>(sessionSelect('ws.origin = $1 AND ws.project_name = $2 AND ws.ended_at IS NULL', 'ORDER BY 7 DESC'), [
      HOSTED_ORIGIN,
      project,
    ]);
    return rows.map(toSession);
  }

  async markHandoverAnnounced(id: string): Promise<void> {
    await this.tx.rows(`UPDATE session_state SET handover_announced = true WHERE session_id = $1 AND NOT handover_announced`, [id]);
  }
}
