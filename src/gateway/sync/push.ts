import type { ClientBase } from 'pg';
import { newId } from '../secrets.ts';
import { binaryFloat8Array, binaryInt4Array, binaryTextArray, binaryUuidArray } from '../pg/pg-binary.ts';
import { binaryCopyData, copyFrom, type CopyField } from '../pg/pg-copy.ts';
import { describeConflict, type SyncConflict } from '../store/conflict-log.ts';
import type { PushBatch } from './push-batch.ts';
import type { ContextRow } from './sync-rows.ts';
import { lockKey, quoteIdent } from '../pg/remote-schema.ts';

export interface PushResult {
  /** This machine's contexts whose version the server holds under another number (conflicts). */
  renumbered: { id: string; project: string; label: string; version: number }[];
  /** Conflicts the server found in this batch. */
  conflicts: SyncConflict[];
}

/** Postgres text[] literal, for passing a list per row through unnest. */
export function pgArrayLiteral(items: readonly string[]): string {
  return `{${items.map((item) => `"${item.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

const ms = (column: string): string => `to_timestamp(${column} / 1000.0)`;

/**
 * Pushes one batch in one transaction with set-based statements (unnest), idempotent by row UUID:
 * pushing the same batch twice changes nothing the second time. Contexts whose (project, label,
 * version) another machine already holds keep their text under the next free version, and the
 * conflict is recorded in the tenant schema for every machine to see.
 */
export async function pushBatch(
  client: ClientBase,
  schema: string,
  origin: string,
  batch: PushBatch,
  now: number,
  /** Local work to do while the server inserts the contexts (reading the next batch). */
  whileServerWorks: () => void = () => {},
): Promise<PushResult> {
  const s = quoteIdent(schema);
  const q = (text: string, values: unknown[] = []) => client.query(text, values);
  await q('BEGIN');
  try {
    // Same lock as the triggers take: seq order equals commit order, and the conflict check below sees
    // every committed version.
    await q('SELECT pg_advisory_xact_lock($1::bigint), set_config($2, $3, true)', [lockKey(schema, 'changes'), 'dementia.origin', origin]);

    if (batch.projectDeletes.length > 0) {
      const names = [batch.projectDeletes];
      await q(`UPDATE ${s}.projects SET deleted_at = now(), origin = $2 WHERE name = ANY($1::text[]) AND deleted_at IS NULL`, [...names, origin]);
      // A user-confirmed delete_project: the only statement that removes rows, and only that project's.
      for (const table of ['archived_contexts', 'contexts', 'notes', 'handovers', 'work_sessions', 'conflicts']) {
        await q(`DELETE FROM ${s}.${table} WHERE project_name = ANY($1::text[])`, names);
      }
    }
    if (batch.projects.length > 0) {
      const p = batch.projects;
      await q(
        `INSERT INTO ${s}.projects (name, id, description, created_at, updated_at, origin, secret_policy)
         SELECT r.name, r.id, r.description, ${ms('r.created')}, ${ms('r.updated')}, $6, r.policy
         FROM unnest($1::text[], $2::uuid[], $3::text[], $4::float8[], $5::float8[], $7::text[]) AS r(name, id, description, created, updated, policy)
         ON CONFLICT (name) DO UPDATE SET id = excluded.id, description = excluded.description, created_at = excluded.created_at,
           updated_at = excluded.updated_at, deleted_at = NULL, origin = excluded.origin, secret_policy = excluded.secret_policy
         WHERE ${s}.projects.deleted_at IS NOT NULL`,
        [
          p.map((r) => r.name),
          p.map((r) => r.id),
          p.map((r) => r.description),
          p.map((r) => r.createdAt),
          p.map((r) => r.updatedAt),
          origin,
          p.map((r) => r.secretPolicy),
        ],
      );
      // The secret handling of a live project: the later change wins (the only setting a project row carries).
      await q(
        `UPDATE ${s}.projects p SET secret_policy = r.policy, updated_at = ${ms('r.updated')}, origin = $4
         FROM unnest($1::text[], $2::text[], $3::float8[]) AS r(name, policy, updated)
         WHERE p.name = r.name AND p.deleted_at IS NULL AND p.secret_policy <> r.policy AND p.updated_at < ${ms('r.updated')}`,
        [p.map((r) => r.name), p.map((r) => r.secretPolicy), p.map((r) => r.updatedAt), origin],
      );
    }
    const result: PushResult = { renumbered: [], conflicts: [] };
    if (batch.contexts.length > 0) {
      await pushContexts(client, q, s, origin, batch, now, result, once(whileServerWorks));
    } else {
      whileServerWorks();
    }
    if (batch.archives.length > 0) {
      const a = batch.archives;
      await q(
        `INSERT INTO ${s}.archived_contexts (context_id, project_name, label, version, archived_at, archived_by_client, archived_in_session, origin)
         SELECT c.id, c.project_name, c.label, c.version, ${ms('r.archived')}, r.by_client, r.in_session, $5
         FROM unnest($1::uuid[], $2::float8[], $3::uuid[], $4::uuid[]) AS r(id, archived, by_client, in_session)
         JOIN ${s}.contexts c ON c.id = r.id
         ON CONFLICT (context_id) DO UPDATE SET archived_at = excluded.archived_at, archived_by_client = excluded.archived_by_client,
           archived_in_session = excluded.archived_in_session, restored_at = NULL, origin = excluded.origin
         WHERE ${s}.archived_contexts.restored_at IS NOT NULL OR ${s}.archived_contexts.archived_at <> excluded.archived_at`,
        [a.map((r) => r.id), a.map((r) => r.archivedAt), a.map((r) => r.archivedBy), a.map((r) => r.archivedIn), origin],
      );
    }
    if (batch.restores.length > 0) {
      await q(`UPDATE ${s}.archived_contexts SET restored_at = now(), origin = $2 WHERE context_id = ANY($1::uuid[]) AND restored_at IS NULL`, [
        batch.restores,
        origin,
      ]);
    }
    if (batch.sessions.length > 0) {
      const w = batch.sessions;
      await q(
        `INSERT INTO ${s}.work_sessions (id, project_name, client_id, client_name, instance_key, started_at, last_activity_at,
           call_count, last_tool, ended_at, end_reason, origin)
         SELECT r.id, r.project_name, r.client_id, r.client_name, r.instance_key, ${ms('r.started')}, ${ms('r.last_activity')},
           r.call_count, r.last_tool, ${ms('r.ended')}, r.end_reason, $12
         FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::float8[], $7::float8[], $8::int[], $9::text[],
           $10::float8[], $11::text[]) AS r(id, project_name, client_id, client_name, instance_key, started, last_activity, call_count,
           last_tool, ended, end_reason)
         WHERE NOT EXISTS (SELECT 1 FROM ${s}.projects p WHERE p.name = r.project_name AND p.deleted_at IS NOT NULL)
         ON CONFLICT (id) DO UPDATE SET last_activity_at = excluded.last_activity_at, call_count = excluded.call_count,
           last_tool = excluded.last_tool, ended_at = excluded.ended_at, end_reason = excluded.end_reason
         WHERE ${s}.work_sessions.ended_at IS DISTINCT FROM excluded.ended_at OR ${s}.work_sessions.call_count <> excluded.call_count`,
        [
          w.map((r) => r.id),
          w.map((r) => r.project),
          w.map((r) => r.clientId),
          w.map((r) => r.clientName),
          w.map((r) => r.instanceKey),
          w.map((r) => r.startedAt),
          w.map((r) => r.lastActivityAt),
          w.map((r) => r.callCount),
          w.map((r) => r.lastTool),
          w.map((r) => r.endedAt),
          w.map((r) => r.endReason),
          origin,
        ],
      );
    }
    if (batch.handovers.length > 0) {
      const h = batch.handovers;
      await q(
        `INSERT INTO ${s}.handovers (id, project_name, session_id, client_id, client_name, started_at, ended_at, end_reason, summary,
           content, created_at, origin)
         SELECT r.id, r.project_name, r.session_id, r.client_id, r.client_name, ${ms('r.started')}, ${ms('r.ended')}, r.end_reason,
           r.summary, r.content::jsonb, ${ms('r.created')}, $12
         FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::float8[], $7::float8[], $8::text[], $9::text[],
           $10::text[], $11::float8[]) AS r(id, project_name, session_id, client_id, client_name, started, ended, end_reason, summary,
           content, created)
         WHERE NOT EXISTS (SELECT 1 FROM ${s}.projects p WHERE p.name = r.project_name AND p.deleted_at IS NOT NULL)
         ON CONFLICT DO NOTHING`,
        [
          h.map((r) => r.id),
          h.map((r) => r.project),
          h.map((r) => r.sessionId),
          h.map((r) => r.clientId),
          h.map((r) => r.clientName),
          h.map((r) => r.startedAt),
          h.map((r) => r.endedAt),
          h.map((r) => r.endReason),
          h.map((r) => r.summary),
          h.map((r) => r.content),
          h.map((r) => r.createdAt),
          origin,
        ],
      );
    }
    if (batch.notes.length > 0) {
      const n = batch.notes;
      await q(
        `INSERT INTO ${s}.notes (id, project_name, session_id, kind, text, created_at, origin)
         SELECT r.id, r.project_name, r.session_id, r.kind, r.text, ${ms('r.created')}, $7
         FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::float8[]) AS r(id, project_name, session_id, kind, text, created)
         WHERE NOT EXISTS (SELECT 1 FROM ${s}.projects p WHERE p.name = r.project_name AND p.deleted_at IS NOT NULL)
         ON CONFLICT (id) DO NOTHING`,
        [n.map((r) => r.id), n.map((r) => r.project), n.map((r) => r.sessionId), n.map((r) => r.kind), n.map((r) => r.text), n.map((r) => r.createdAt), origin],
      );
    }
    if (batch.conflicts.length > 0) {
      const c = batch.conflicts;
      await q(
        `INSERT INTO ${s}.conflicts (id, project_name, label, version, kept_context_id, moved_context_id, moved_to_version, detail, detected_at, origin)
         SELECT r.id, r.project_name, r.label, r.version, r.kept, r.moved, r.moved_to, r.detail, ${ms('r.detected')}, $10
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::uuid[], $6::uuid[], $7::int[], $8::text[], $9::float8[])
           AS r(id, project_name, label, version, kept, moved, moved_to, detail, detected)
         ON CONFLICT (id) DO NOTHING`,
        [
          c.map((r) => r.id),
          c.map((r) => r.project),
          c.map((r) => r.label),
          c.map((r) => r.version),
          c.map((r) => r.keptContextId),
          c.map((r) => r.movedContextId),
          c.map((r) => r.movedToVersion),
          c.map((r) => r.detail),
          c.map((r) => r.detectedAt),
          origin,
        ],
      );
    }
    await q('COMMIT');
    return result;
  } catch (error) {
    await q('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

type Query = (text: string, values?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

const CONTEXT_UNNEST = `unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[],
  $9::float8[], $10::uuid[], $11::uuid[]) AS r(id, project_name, label, version, content, priority, tags, content_hash, created, client_id, session_id)`;

const CONTEXT_INSERT_COLUMNS = `id, project_name, label, version, origin_version, content, priority, tags, content_hash, created_at, client_id, session_id, origin`;

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      fn();
    }
  };
}

/** Resolves once the client's socket has handed every queued byte to the OS, so the server has the statement. */
async function sent(client: ClientBase): Promise<void> {
  const stream = (client as unknown as { connection?: { stream?: { writableLength?: number } } }).connection?.stream;
  for (let i = 0; i < 10_000 && (stream?.writableLength ?? 0) > 0; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Below this many contexts a push uses INSERT, above it COPY. */
const COPY_FROM_ROWS = 100;

const COPY_COLUMNS = 'id, project_name, label, version, origin_version, content, priority, tags, content_hash, created_at, client_id, session_id, origin';

const copyRow = (r: ContextRow, origin: string): CopyField[] => [
  { type: 'uuid', value: r.id },
  { type: 'text', value: r.project },
  { type: 'text', value: r.label },
  { type: 'int4', value: r.version },
  { type: 'int4', value: r.version },
  { type: 'text', value: r.content },
  { type: 'text', value: r.priority },
  { type: 'text[]', value: JSON.parse(r.tags) as string[] },
  { type: 'text', value: r.contentHash },
  { type: 'timestamptz', ms: r.createdAt },
  { type: 'uuid', value: r.clientId },
  { type: 'uuid', value: r.sessionId },
  { type: 'uuid', value: origin },
];

/** Encodes a batch's contexts for COPY ahead of time, so it can happen while the server is busy. */
export function encodeContexts(batch: PushBatch, origin: string): void {
  if (batch.contexts.length > 0) batch.encodedContexts = binaryCopyData(batch.contexts.map((r) => copyRow(r, origin)));
}

/**
 * Contexts go in with COPY when none of them is on the server yet and no version is taken (every
 * first push and almost every later one): the fastest way into Postgres. A unique violation means a
 * replay or a conflict; the COPY is rolled back to its savepoint and the rows go the careful way.
 */
async function pushContexts(
  client: ClientBase,
  q: Query,
  s: string,
  origin: string,
  batch: PushBatch,
  now: number,
  result: PushResult,
  whileServerWorks: () => void,
): Promise<void> {
  const all = batch.contexts;
  if (all.length < COPY_FROM_ROWS) {
    // A few rows: one INSERT statement costs fewer round trips than the COPY protocol.
    whileServerWorks();
    return pushContextsCarefully(q, s, origin, all, now, result);
  }
  // Rows of a project deleted on the server are dropped: the delete was the later word.
  const names = [...new Set(all.map((r) => r.project))];
  const deleted = new Set(
    (await q(`SELECT name FROM ${s}.projects WHERE deleted_at IS NOT NULL AND name = ANY($1::text[])`, [names])).rows.map((row) => row.name as string),
  );
  const rows = deleted.size > 0 ? all.filter((r) => !deleted.has(r.project)) : all;
  if (rows.length === 0) return whileServerWorks();
  await q('SAVEPOINT contexts_copy');
  const data = rows === all && batch.encodedContexts ? batch.encodedContexts : binaryCopyData(rows.map((r) => copyRow(r, origin)));
  const copy = copyFrom(client, `COPY ${s}.contexts (${COPY_COLUMNS}) FROM STDIN (FORMAT binary)`, data);
  const overlap = copy.dataSent.then(() => sent(client)).then(whileServerWorks);
  try {
    await Promise.all([copy.done, overlap]);
    await q('RELEASE SAVEPOINT contexts_copy');
    return;
  } catch (error) {
    await overlap;
    if ((error as { code?: string }).code !== '23505') throw error;
    await q('ROLLBACK TO SAVEPOINT contexts_copy');
  }
  await pushContextsCarefully(q, s, origin, rows, now, result);
}

async function pushContextsCarefully(q: Query, s: string, origin: string, rows: ContextRow[], now: number, result: PushResult): Promise<void> {
  const params: unknown[] = [
    binaryUuidArray(rows.map((r) => r.id)),
    binaryTextArray(rows.map((r) => r.project)),
    binaryTextArray(rows.map((r) => r.label)),
    binaryInt4Array(rows.map((r) => r.version)),
    binaryTextArray(rows.map((r) => r.content)),
    binaryTextArray(rows.map((r) => r.priority)),
    binaryTextArray(rows.map((r) => (r.tags === '[]' ? '{}' : pgArrayLiteral(JSON.parse(r.tags) as string[])))),
    binaryTextArray(rows.map((r) => r.contentHash)),
    binaryFloat8Array(rows.map((r) => r.createdAt)),
    binaryUuidArray(rows.map((r) => r.clientId)),
    binaryUuidArray(rows.map((r) => r.sessionId)),
    origin,
  ];
  // One statement for the common case: labels where another row already holds one of our
  // (project, label, version) are "contested" and left out; every other new row goes in at its
  // own number. It reports the contested labels and the rows that were already there.
  const statement = q(
    `WITH r AS (SELECT * FROM ${CONTEXT_UNNEST}),
     contested AS (
       SELECT DISTINCT r.project_name, r.label FROM r
       JOIN ${s}.contexts c ON c.project_name = r.project_name AND c.label = r.label AND c.version = r.version AND c.id <> r.id),
     deleted AS (SELECT name FROM ${s}.projects WHERE deleted_at IS NOT NULL),
     inserted AS (
       INSERT INTO ${s}.contexts (${CONTEXT_INSERT_COLUMNS})
       SELECT r.id, r.project_name, r.label, r.version, r.version, r.content, r.priority, r.tags::text[], r.content_hash,
         ${ms('r.created')}, r.client_id, r.session_id, $12
       FROM r
       WHERE r.project_name NOT IN (SELECT name FROM deleted)
         AND NOT EXISTS (SELECT 1 FROM contested x WHERE x.project_name = r.project_name AND x.label = r.label)
       ON CONFLICT (id) DO NOTHING
       RETURNING id)
     SELECT 'contested' AS kind, project_name, label, NULL::uuid AS id FROM contested
     UNION ALL SELECT 'skipped', NULL, NULL, r.id FROM r WHERE r.id NOT IN (SELECT id FROM inserted)`,
    params,
  );
  const first = await statement;
  const contested = first.rows.filter((row) => row.kind === 'contested');
  const skipped = new Set(first.rows.filter((row) => row.kind === 'skipped').map((row) => row.id as string));
  if (skipped.size === 0) return;

  if (contested.length > 0) {
    // New rows of contested labels go above the server's highest version, in their own order.
    const moved = await q(
      `WITH fresh AS (
         SELECT r.*, row_number() OVER (PARTITION BY r.project_name, r.label ORDER BY r.version) AS rank,
           (SELECT coalesce(max(c.version), 0) FROM ${s}.contexts c WHERE c.project_name = r.project_name AND c.label = r.label) AS base
         FROM ${CONTEXT_UNNEST}
         WHERE r.id = ANY($13::uuid[]) AND NOT EXISTS (SELECT 1 FROM ${s}.contexts c WHERE c.id = r.id)
           AND NOT EXISTS (SELECT 1 FROM ${s}.projects p WHERE p.name = r.project_name AND p.deleted_at IS NOT NULL)
       ), inserted AS (
         INSERT INTO ${s}.contexts (${CONTEXT_INSERT_COLUMNS})
         SELECT id, project_name, label, base + rank, version, content, priority, tags::text[], content_hash, ${ms('created')},
           client_id, session_id, $12
         FROM fresh
         RETURNING id, project_name, label, version, origin_version, content_hash
       )
       SELECT i.id AS moved_id, i.project_name, i.label, i.origin_version, i.version AS moved_to, k.id AS kept_id,
         k.content_hash = i.content_hash AS same_text
       FROM inserted i JOIN ${s}.contexts k ON k.project_name = i.project_name AND k.label = i.label AND k.version = i.origin_version`,
      [...params, [...skipped]],
    );
    const conflicts: SyncConflict[] = moved.rows.map((row) => ({
      id: newId(),
      project: row.project_name as string,
      label: row.label as string,
      version: row.origin_version as number,
      keptContextId: row.kept_id as string,
      movedContextId: row.moved_id as string,
      movedToVersion: row.moved_to as number,
      detail: describeConflict(row.label as string, row.origin_version as number, row.moved_to as number, row.same_text as boolean),
      detectedAt: now,
      origin,
    }));
    if (conflicts.length > 0) {
      await q(
        `INSERT INTO ${s}.conflicts (id, project_name, label, version, kept_context_id, moved_context_id, moved_to_version, detail, detected_at, origin)
         SELECT r.*, ${ms('$9::float8')}, $10 FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::uuid[], $6::uuid[], $7::int[], $8::text[])
           AS r(id, project_name, label, version, kept, moved, moved_to, detail)`,
        [
          conflicts.map((c) => c.id),
          conflicts.map((c) => c.project),
          conflicts.map((c) => c.label),
          conflicts.map((c) => c.version),
          conflicts.map((c) => c.keptContextId),
          conflicts.map((c) => c.movedContextId),
          conflicts.map((c) => c.movedToVersion),
          conflicts.map((c) => c.detail),
          now,
          origin,
        ],
      );
    }
    result.conflicts.push(...conflicts);
  }

  // The server's number for each of our rows that did not go in as they were: moved just now, or in
  // an earlier push whose answer was lost to a crash.
  const pushedVersion = new Map(rows.map((r) => [r.id, r.version]));
  const renumbered = await q(`SELECT id, project_name, label, version FROM ${s}.contexts WHERE id = ANY($1::uuid[])`, [[...skipped]]);
  for (const row of renumbered.rows) {
    if (row.version !== pushedVersion.get(row.id as string)) {
      result.renumbered.push({ id: row.id as string, project: row.project_name as string, label: row.label as string, version: row.version as number });
    }
  }
}
