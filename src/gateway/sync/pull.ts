import type { ClientBase } from 'pg';
import type { SecretPolicy } from '../secret-scan/screen.ts';
import { quoteIdent, SYNCED_TABLES } from '../pg/remote-schema.ts';
import type { RemoteClientRow } from '../store/remote-clients.ts';
import type { ContextRow, HandoverRow, NoteRow, SessionRow } from './sync-rows.ts';
import type { ConflictRow, FromOrigin } from '../store/conflict-log.ts';

export type PulledSession = SessionRow & FromOrigin;
export type PulledHandover = HandoverRow;
export type PulledNote = NoteRow;
export type PulledConflict = ConflictRow & FromOrigin;

export interface PulledProject {
  name: string;
  description: string;
  createdAt: number;
  deleted: boolean;
  secretPolicy: SecretPolicy;
}

/** A context version from Postgres: tags as an array, plus its archive state there. */
export type PulledContext = Omit<ContextRow, 'tags'> &
  FromOrigin & {
    tags: string[];
    /** Set when the version is archived on the server (a tombstone without restore). */
    archivedAt: number | null;
    archivedBy: string | null;
    archivedIn: string | null;
  };

export interface PulledTombstone {
  id: string;
  project: string;
  label: string;
  archivedAt: number;
  archivedBy: string | null;
  archivedIn: string | null;
  restored: boolean;
}

/** A client of the hosted server (the tenant's `clients` table). */
export type PulledRemoteClient = RemoteClientRow;

/** Changes after one cursor up to the next, in one consistent snapshot. */
export interface PulledChanges {
  /** The cursor after this batch (a position in the server's change sequence). */
  cursor: string;
  /** True when the batch was full and more changes wait. */
  more: boolean;
  changes: number;
  projects: PulledProject[];
  contexts: PulledContext[];
  tombstones: PulledTombstone[];
  sessions: PulledSession[];
  handovers: PulledHandover[];
  notes: PulledNote[];
  conflicts: PulledConflict[];
  remoteClients: PulledRemoteClient[];
}

const ms = (column: string): string => `round(extract(epoch FROM ${column}) * 1000)::float8`;

/**
 * Reads what changed after `cursor`, at most `limit` changes, skipping this machine's own rows (except
 * its contexts the server renumbered). The upper bound comes from the same snapshot as the rows, and
 * writers commit in seq order (see remote-schema.ts), so advancing the cursor never skips a row.
 */
export async function pullChanges(client: ClientBase, schema: string, origin: string, cursor: string, limit: number): Promise<PulledChanges> {
  const s = quoteIdent(schema);
  const q = <T>(text: string, values: unknown[]) => client.query(text, values).then((result) => result.rows as T[]);
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const union = SYNCED_TABLES.map((table) => `SELECT seq FROM ${s}.${table} WHERE seq > $1::bigint`).join(' UNION ALL ');
    const [bounds] = await q<{ upper: string | null; n: number }>(
      `SELECT max(seq)::text AS upper, count(*)::int AS n FROM (${union} ORDER BY seq LIMIT $2) AS changes`,
      [cursor, limit],
    );
    if (!bounds || bounds.upper === null) {
      await client.query('COMMIT');
      return {
        cursor,
        more: false,
        changes: 0,
        projects: [],
        contexts: [],
        tombstones: [],
        sessions: [],
        handovers: [],
        notes: [],
        conflicts: [],
        remoteClients: [],
      };
    }
    const range = `seq > $1::bigint AND seq <= $2::bigint`;
    const args = [cursor, bounds.upper, origin];
    const projects = await q<PulledProject>(
      `SELECT name, description, ${ms('created_at')} AS "createdAt", deleted_at IS NOT NULL AS deleted, secret_policy AS "secretPolicy"
       FROM ${s}.projects WHERE ${range} AND origin <> $3::uuid ORDER BY seq`,
      args,
    );
    const contexts = await q<PulledContext>(
      `SELECT c.id, c.project_name AS project, c.label, c.version, c.content, c.priority, c.tags, c.content_hash AS "contentHash",
         ${ms('c.created_at')} AS "createdAt", c.client_id AS "clientId", c.session_id AS "sessionId", c.origin,
         ${ms('a.archived_at')} AS "archivedAt", a.archived_by_client AS "archivedBy", a.archived_in_session AS "archivedIn"
       FROM ${s}.contexts c LEFT JOIN ${s}.archived_contexts a ON a.context_id = c.id AND a.restored_at IS NULL
       WHERE c.seq > $1::bigint AND c.seq <= $2::bigint AND (c.origin <> $3::uuid OR c.version <> c.origin_version) ORDER BY c.seq`,
      args,
    );
    const tombstones = await q<PulledTombstone>(
      `SELECT context_id AS id, project_name AS project, label, ${ms('archived_at')} AS "archivedAt", archived_by_client AS "archivedBy",
         archived_in_session AS "archivedIn", restored_at IS NOT NULL AS restored
       FROM ${s}.archived_contexts WHERE ${range} AND origin <> $3::uuid ORDER BY seq`,
      args,
    );
    const sessions = await q<PulledSession>(
      `SELECT id, project_name AS project, client_id AS "clientId", client_name AS "clientName", instance_key AS "instanceKey",
         ${ms('started_at')} AS "startedAt", ${ms('last_activity_at')} AS "lastActivityAt", call_count AS "callCount",
         last_tool AS "lastTool", ${ms('ended_at')} AS "endedAt", end_reason AS "endReason", origin
       FROM ${s}.work_sessions WHERE ${range} AND origin <> $3::uuid ORDER BY seq`,
      args,
    );
    const handovers = await q<PulledHandover>(
      `SELECT id, project_name AS project, session_id AS "sessionId", client_id AS "clientId", client_name AS "clientName",
         ${ms('started_at')} AS "startedAt", ${ms('ended_at')} AS "endedAt", end_reason AS "endReason", summary, content::text AS content,
         ${ms('created_at')} AS "createdAt"
       FROM ${s}.handovers WHERE ${range} AND origin <> $3::uuid ORDER BY seq`,
      args,
    );
    const notes = await q<PulledNote>(
      `SELECT id, project_name AS project, session_id AS "sessionId", kind, text, ${ms('created_at')} AS "createdAt"
       FROM ${s}.notes WHERE ${range} AND origin <> $3::uuid ORDER BY seq`,
      args,
    );
    const conflicts = await q<PulledConflict>(
      `SELECT id, project_name AS project, label, version, kept_context_id AS "keptContextId", moved_context_id AS "movedContextId",
         moved_to_version AS "movedToVersion", detail, ${ms('detected_at')} AS "detectedAt", origin
       FROM ${s}.conflicts WHERE ${range} ORDER BY seq`,
      args.slice(0, 2),
    );
    const remoteClients = await q<PulledRemoteClient>(
      `SELECT id, name, kind, ${ms('created_at')} AS "createdAt", ${ms('last_seen_at')} AS "lastSeenAt", ${ms('revoked_at')} AS "revokedAt"
       FROM ${s}.clients WHERE ${range} ORDER BY seq`,
      args.slice(0, 2),
    );
    await client.query('COMMIT');
    return {
      remoteClients,
      cursor: bounds.upper,
      more: bounds.n >= limit,
      changes: bounds.n,
      projects,
      contexts,
      tombstones,
      sessions,
      handovers,
      notes,
      conflicts,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
