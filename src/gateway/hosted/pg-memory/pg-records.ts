import type { Clock } from '../../clock.ts';
import type { ActivityRepository, ClientStateRepository, HandoverRepository, NoteRepository } from '../../memory/memory.ts';
import { newId } from '../../secrets.ts';
import type { ActivityEffects, ActivityEntry, NewActivity } from '../../store/activity.ts';
import type { LastSeenThrottle } from '../../store/last-seen.ts';
import type { ClientRecord } from '../../store/clients.ts';
import type { Handover, HandoverContent } from '../../store/handovers.ts';
import type { Note, NoteKind } from '../../store/notes.ts';
import { HOSTED_ORIGIN } from '../pg-transaction.ts';
import { at, type FirstRead, ms, type PgTx } from './pg-tx.ts';
import { literal } from '../prepared-statements.ts';

export interface HandoverRow {
  id: string;
  project_name: string;
  session_id: string;
  client_id: string;
  client_name: string;
  started_at: Date;
  ended_at: Date;
  end_reason: string;
  summary: string;
  content: HandoverContent;
  created_at: Date;
}

export const HANDOVER_COLUMNS = 'id, project_name, session_id, client_id, client_name, started_at, ended_at, end_reason, summary, content, created_at';

export const toHandover = (row: HandoverRow): Handover => ({
  id: row.id,
  project: row.project_name,
  sessionId: row.session_id,
  clientId: row.client_id,
  clientName: row.client_name,
  startedAt: ms(row.started_at),
  endedAt: ms(row.ended_at),
  endReason: row.end_reason,
  summary: row.summary,
  content: row.content,
  createdAt: ms(row.created_at),
});

/** Handovers: the one with the latest end of a project is what the next session reads, whoever wrote it. */
export class PgHandovers implements HandoverRepository {
  private readonly tx: PgTx;

  constructor(tx: PgTx) {
    this.tx = tx;
  }

  async insert(handover: Handover): Promise<Handover> {
    await this.tx.lockChanges();
    await this.tx.rows(`INSERT INTO handovers (${HANDOVER_COLUMNS}, origin) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, [
      handover.id,
      handover.project,
      handover.sessionId,
      handover.clientId,
      handover.clientName,
      at(handover.startedAt),
      at(handover.endedAt),
      handover.endReason,
      handover.summary,
      JSON.stringify(handover.content),
      at(handover.createdAt),
      HOSTED_ORIGIN,
    ]);
    return handover;
  }

  async recent(limit: number, project?: string): Promise<Handover[]> {
    const rows =
      project === undefined
        ? await this.tx.rows<HandoverRow>(`SELECT ${HANDOVER_COLUMNS} FROM handovers ORDER BY ended_at DESC, created_at DESC LIMIT $1`, [limit])
        : await this.tx.rows<HandoverRow>(
            `SELECT ${HANDOVER_COLUMNS} FROM handovers WHERE project_name = $1 ORDER BY ended_at DESC, created_at DESC LIMIT $2`,
            [project, limit],
          );
    return rows.map(toHandover);
  }

  async bySession(sessionId: string): Promise<Handover | undefined> {
    const row = await this.tx.row<HandoverRow>(`SELECT ${HANDOVER_COLUMNS} FROM handovers WHERE session_id = $1`, [sessionId]);
    return row ? toHandover(row) : undefined;
  }

  async count(project: string): Promise<number> {
    return (await this.tx.row<{ n: number }>(`SELECT count(*)::int AS n FROM handovers WHERE project_name = $1`, [project]))?.n ?? 0;
  }
}

interface NoteRow {
  id: string;
  project_name: string;
  session_id: string;
  kind: NoteKind;
  text: string;
  created_at: Date;
}

const NOTE_COLUMNS = 'id, project_name, session_id, kind, text, created_at';

const toNote = (row: NoteRow): Note => ({
  id: row.id,
  project: row.project_name,
  sessionId: row.session_id,
  kind: row.kind,
  text: row.text,
  createdAt: ms(row.created_at),
});

export class PgNotes implements NoteRepository {
  private readonly tx: PgTx;
  private readonly clock: Clock;

  constructor(tx: PgTx, clock: Clock) {
    this.tx = tx;
    this.clock = clock;
  }

  async add(project: string, sessionId: string, kind: NoteKind, text: string): Promise<Note> {
    await this.tx.lockChanges();
    const note: Note = { id: newId(), project, sessionId, kind, text, createdAt: this.clock.now() };
    await this.tx.rows(`INSERT INTO notes (${NOTE_COLUMNS}, origin) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
      note.id,
      project,
      sessionId,
      kind,
      text,
      at(note.createdAt),
      HOSTED_ORIGIN,
    ]);
    return note;
  }

  async forSession(sessionId: string): Promise<Note[]> {
    const rows = await this.tx.rows<NoteRow>(`SELECT ${NOTE_COLUMNS} FROM notes WHERE session_id = $1 ORDER BY created_at`, [sessionId]);
    return rows.map(toNote);
  }

  async recent(project: string, limit: number, kind?: NoteKind): Promise<Note[]> {
    const rows = await this.tx.rows<NoteRow>(
      `SELECT ${NOTE_COLUMNS} FROM notes
       WHERE project_name = $1 AND ($3::text IS NULL OR kind = $3) ORDER BY created_at DESC LIMIT $2`,
      [project, limit, kind ?? null],
    );
    return rows.map(toNote);
  }
}

interface ActivityRow {
  id: string;
  at: Date;
  client_id: string;
  client_name: string | null;
  project_name: string | null;
  session_id: string | null;
  tool: string;
  ok: boolean;
  summary: string;
  detail: ActivityEffects | null;
}

/** The hosted server's call log (hosted-only table): what its handovers are written from. */
export class PgActivity implements ActivityRepository {
  private readonly tx: PgTx;

  constructor(tx: PgTx) {
    this.tx = tx;
  }

  async record(entry: NewActivity): Promise<void> {
    const detail = entry.effects && Object.keys(entry.effects).length > 0 ? JSON.stringify(entry.effects) : null;
    // Sent with the commit: one round trip fewer per call, and none while the tenant's change lock is held.
    const v = literal;
    this.tx.defer({
      text: `INSERT INTO activity (at, client_id, project_name, session_id, tool, ok, summary, detail)
       VALUES ($1::timestamptz, $2::uuid, $3::text, $4::uuid, $5::text, $6::boolean, $7::text, $8::jsonb)`,
      values: [
        v(at(entry.at), 'timestamptz'),
        v(entry.clientId, 'uuid'),
        v(entry.project, 'text'),
        v(entry.sessionId, 'uuid'),
        v(entry.tool, 'text'),
        v(entry.ok, 'boolean'),
        v(entry.summary, 'text'),
        v(detail, 'jsonb'),
      ],
    });
    // Every read of a context passes here (as in the desktop's ActivityLog): the dashboard's "not read
    // in a long time". Also sent with the commit; a read within the hour before is left as it is, so
    // clients reading the same context do not queue on its row.
    const read = [...new Set(entry.effects?.recalled?.map((r) => r.label))];
    if (entry.ok && entry.project !== null && read.length > 0) {
      this.tx.defer({
        text: `INSERT INTO context_reads (project_name, label, read_at) SELECT $1::text, l, $2::timestamptz FROM unnest($3::text[]) AS l
         WHERE NOT EXISTS (SELECT 1 FROM context_reads r WHERE r.project_name = $1::text AND r.label = l AND r.read_at >= $2::timestamptz - interval '1 hour')
         ON CONFLICT (project_name, label) DO UPDATE SET read_at = greatest(context_reads.read_at, excluded.read_at)`,
        values: [v(entry.project, 'text'), v(at(entry.at), 'timestamptz'), v(read, 'text[]')],
      });
    }
  }

  async forSession(sessionId: string): Promise<ActivityEntry[]> {
    const rows = await this.tx.rows<ActivityRow>(
      `SELECT a.id, a.at, a.client_id, c.name AS client_name, a.project_name, a.session_id, a.tool, a.ok, a.summary, a.detail
       FROM activity a LEFT JOIN clients c ON c.id = a.client_id WHERE a.session_id = $1 ORDER BY a.id`,
      [sessionId],
    );
    return rows.map((row) => ({
      id: Number(row.id),
      at: ms(row.at),
      clientId: row.client_id,
      clientName: row.client_name,
      project: row.project_name,
      sessionId: row.session_id,
      tool: row.tool,
      ok: row.ok,
      summary: row.summary,
      effects: row.detail ?? {},
    }));
  }
}

/** The client instances that have a project selected; `table` may be schema-qualified (PgTenantMemory reads it outside a transaction). */
export const instancesOnStatement = (table: string): string =>
  `SELECT client_id AS "clientId", instance_key AS "instanceKey" FROM ${table} WHERE active_project = $1`;

interface ActiveProjectRow {
  active_project: string | null;
}
const ACTIVE_PROJECT = `SELECT i.active_project FROM client_instances i JOIN projects p ON p.name = i.active_project AND p.deleted_at IS NULL`;

const activeProjectKey = (clientId: string, instanceKey: string): string => `active-project\n${clientId}\n${instanceKey}`;

/** activeProject's read, for a call's BEGIN round trip, where it follows the instance's lock. */
export const activeProjectRead = (clientId: string, instanceKey: string): FirstRead => ({
  key: activeProjectKey(clientId, instanceKey),
  statement: {
    text: `${ACTIVE_PROJECT} WHERE i.client_id = $1::uuid AND i.instance_key = $2::text`,
    values: [literal(clientId, 'uuid'), literal(instanceKey, 'text')],
  },
});

/** The active project of each remote client instance, and when a client was last seen. */
export class PgClientState implements ClientStateRepository {
  private readonly tx: PgTx;
  private readonly clock: Clock;
  private readonly lastSeen: LastSeenThrottle;

  constructor(tx: PgTx, clock: Clock, lastSeen: LastSeenThrottle) {
    this.tx = tx;
    this.clock = clock;
    this.lastSeen = lastSeen;
  }

  async activeProject(clientId: string, instanceKey: string): Promise<string | null> {
    const ahead = this.tx.prefetched<ActiveProjectRow>(activeProjectKey(clientId, instanceKey));
    if (ahead) return ahead[0]?.active_project ?? null;
    await this.tx.lockInstance(clientId, instanceKey);
    const row = await this.tx.row<ActiveProjectRow>(`${ACTIVE_PROJECT} WHERE i.client_id = $1 AND i.instance_key = $2`, [clientId, instanceKey]);
    return row?.active_project ?? null;
  }

  async instancesOn(project: string): Promise<{ clientId: string; instanceKey: string }[]> {
    return this.tx.rows<{ clientId: string; instanceKey: string }>(instancesOnStatement('client_instances'), [project]);
  }

  async setActiveProject(clientId: string, instanceKey: string, project: string | null): Promise<void> {
    await this.tx.lockInstance(clientId, instanceKey);
    await this.tx.rows(
      `INSERT INTO client_instances (client_id, instance_key, active_project, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (client_id, instance_key) DO UPDATE SET active_project = excluded.active_project, updated_at = excluded.updated_at`,
      [clientId, instanceKey, project, at(this.clock.now())],
    );
  }

  async markSeen(client: ClientRecord): Promise<void> {
    const now = this.clock.now();
    // A synced write (tenant lock, and every desktop pulls it): only when due.
    if (!this.lastSeen.due(client, now)) return;
    await this.tx.lockChanges();
    await this.tx.rows(`UPDATE clients SET last_seen_at = $2 WHERE id = $1`, [client.id, at(now)]);
  }

  /** Writes seen times the throttle held back (client id to time); an older time never replaces a newer one. */
  async writeSeen(times: Map<string, number>): Promise<void> {
    if (times.size === 0) return;
    await this.tx.lockChanges();
    await this.tx.rows(
      `UPDATE clients c SET last_seen_at = v.at FROM unnest($1::uuid[], $2::timestamptz[]) AS v(id, at)
       WHERE c.id = v.id AND (c.last_seen_at IS NULL OR c.last_seen_at < v.at)`,
      [[...times.keys()], [...times.values()].map(at)],
    );
  }
}
