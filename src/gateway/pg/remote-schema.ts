import type { ClientBase } from 'pg';
import { sha256Hex } from '../secrets.ts';

/**
 * The tenant schema in Postgres: versioned migrations recorded in `<schema>.schema_migrations`.
 * Append only, additive only: a migration never drops or rewrites user data, and nothing here
 * names any schema but the tenant's own. docs/postgres-schema.md describes the result.
 */
export interface RemoteMigration extends SchemaMigration {
  /** Applied by the hosted server only (see ensureRemoteSchema). */
  hostedOnly?: boolean;
}

/** The tenant schema of an API key, as the hosted service names it. */
export function tenantSchema(apiKey: string): string {
  return `dementia_${sha256Hex(apiKey).slice(0, 16)}`;
}

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** A 60-bit advisory lock key derived from the schema, so tenants never wait for each other. */
export function lockKey(schema: string, purpose: 'changes' | 'migrate'): string {
  return BigInt(`0x${sha256Hex(`${schema}:${purpose}`).slice(0, 15)}`).toString();
}

/** The tables of migration 1 (frozen: a released migration never changes). */
const FIRST_TABLES = ['projects', 'contexts', 'archived_contexts', 'work_sessions', 'handovers', 'notes', 'conflicts'] as const;

/** Every synced table; each has `origin` (the writing machine) and `seq` (the server's change order). */
export const SYNCED_TABLES = [...FIRST_TABLES, 'clients'] as const;

/** The statements that give a synced table its change order and notifications (see migration 1). */
function changeTriggers(s: string, table: string): string {
  return `
    CREATE INDEX ${table}_seq ON ${s}.${table} (seq);
    CREATE TRIGGER serialize_changes BEFORE INSERT OR UPDATE OR DELETE ON ${s}.${table}
      FOR EACH STATEMENT EXECUTE FUNCTION ${s}.serialize_changes();
    CREATE TRIGGER stamp_change BEFORE UPDATE ON ${s}.${table}
      FOR EACH ROW EXECUTE FUNCTION ${s}.stamp_change();
    CREATE TRIGGER announce_change AFTER INSERT OR UPDATE OR DELETE ON ${s}.${table}
      FOR EACH STATEMENT EXECUTE FUNCTION ${s}.announce_change();`;
}

export const REMOTE_MIGRATIONS: readonly RemoteMigration[] = [
  {
    version: 1,
    name: 'memory tables, change sequence, notify',
    sql: (schema) => {
      const s = quoteIdent(schema);
      const seq = `seq bigint NOT NULL DEFAULT nextval('${s}.change_seq')`;
      const triggers = FIRST_TABLES.map((table) => changeTriggers(s, table)).join('\n');
      return `
        -- One sequence orders every change of the tenant; pull cursors are positions in it.
        CREATE SEQUENCE ${s}.change_seq;

        -- Writers take this lock before their first change and hold it to commit, so changes become
        -- visible in seq order and a cursor never skips a row committed late.
        CREATE FUNCTION ${s}.serialize_changes() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN PERFORM pg_advisory_xact_lock(${lockKey(schema, 'changes')}); RETURN NULL; END $fn$;

        -- New rows take seq from the column default (a row trigger on insert would rule out COPY's
        -- batched inserts); updated rows get a new one here.
        CREATE FUNCTION ${s}.stamp_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN NEW.seq := nextval('${s}.change_seq'); RETURN NEW; END $fn$;

        -- Wakes listening machines; the payload is the writer's machine id (set_config('dementia.origin')).
        CREATE FUNCTION ${s}.announce_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN PERFORM pg_notify('${schema}', coalesce(current_setting('dementia.origin', true), '')); RETURN NULL; END $fn$;

        CREATE TABLE ${s}.projects (
          name text PRIMARY KEY,
          id uuid NOT NULL,
          description text NOT NULL DEFAULT '',
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL,
          deleted_at timestamptz,
          origin uuid NOT NULL,
          ${seq}
        );

        CREATE TABLE ${s}.contexts (
          id uuid PRIMARY KEY,
          project_name text NOT NULL,
          label text NOT NULL,
          version integer NOT NULL CHECK (version >= 1),
          content text NOT NULL,
          priority text NOT NULL CHECK (priority IN ('always_check', 'important', 'reference')),
          tags text[] NOT NULL DEFAULT '{}',
          content_hash text NOT NULL,
          created_at timestamptz NOT NULL,
          client_id uuid,
          session_id uuid,
          origin uuid NOT NULL,
          origin_version integer NOT NULL,
          ${seq},
          CONSTRAINT contexts_project_label_version UNIQUE (project_name, label, version)
        );
        -- Long texts are stored out of line without pglz compression: pushes of many contexts are
        -- CPU-bound on the server, and compressing cost more than a third of it.
        ALTER TABLE ${s}.contexts ALTER COLUMN content SET STORAGE EXTERNAL;

        CREATE TABLE ${s}.archived_contexts (
          context_id uuid PRIMARY KEY,
          project_name text NOT NULL,
          label text NOT NULL,
          version integer NOT NULL,
          archived_at timestamptz NOT NULL,
          archived_by_client uuid,
          archived_in_session uuid,
          restored_at timestamptz,
          origin uuid NOT NULL,
          ${seq}
        );

        CREATE TABLE ${s}.work_sessions (
          id uuid PRIMARY KEY,
          project_name text NOT NULL,
          client_id uuid NOT NULL,
          client_name text NOT NULL,
          instance_key text NOT NULL,
          started_at timestamptz NOT NULL,
          last_activity_at timestamptz NOT NULL,
          call_count integer NOT NULL,
          last_tool text,
          ended_at timestamptz,
          end_reason text,
          origin uuid NOT NULL,
          ${seq}
        );

        CREATE TABLE ${s}.handovers (
          id uuid PRIMARY KEY,
          project_name text NOT NULL,
          session_id uuid NOT NULL UNIQUE,
          client_id uuid NOT NULL,
          client_name text NOT NULL,
          started_at timestamptz NOT NULL,
          ended_at timestamptz NOT NULL,
          end_reason text NOT NULL,
          summary text NOT NULL,
          content jsonb NOT NULL,
          created_at timestamptz NOT NULL,
          origin uuid NOT NULL,
          ${seq}
        );
        CREATE INDEX handovers_latest ON ${s}.handovers (project_name, ended_at DESC);

        CREATE TABLE ${s}.notes (
          id uuid PRIMARY KEY,
          project_name text NOT NULL,
          session_id uuid NOT NULL,
          kind text NOT NULL CHECK (kind IN ('decision', 'todo', 'progress', 'note')),
          text text NOT NULL,
          created_at timestamptz NOT NULL,
          origin uuid NOT NULL,
          ${seq}
        );

        CREATE TABLE ${s}.conflicts (
          id uuid PRIMARY KEY,
          project_name text NOT NULL,
          label text NOT NULL,
          version integer NOT NULL,
          kept_context_id uuid,
          moved_context_id uuid NOT NULL,
          moved_to_version integer NOT NULL,
          detail text NOT NULL,
          detected_at timestamptz NOT NULL,
          origin uuid NOT NULL,
          ${seq}
        );

        ${triggers}

        -- For readers such as the hosted server: live versions, and the latest live version per label.
        CREATE VIEW ${s}.live_contexts AS
          SELECT c.* FROM ${s}.contexts c
          WHERE NOT EXISTS (SELECT 1 FROM ${s}.archived_contexts a WHERE a.context_id = c.id AND a.restored_at IS NULL)
            AND NOT EXISTS (SELECT 1 FROM ${s}.projects p WHERE p.name = c.project_name AND p.deleted_at IS NOT NULL);
        CREATE VIEW ${s}.latest_contexts AS
          SELECT DISTINCT ON (project_name, label) * FROM ${s}.live_contexts ORDER BY project_name, label, version DESC;
      `;
    },
  },
  {
    version: 2,
    name: 'remote clients of the hosted server',
    sql: (schema) => {
      const s = quoteIdent(schema);
      return `
        -- Clients signed in to the hosted server (claude.ai, a remote Claude Desktop): one row per
        -- client, its own identity and project. Desktops pull them to show next to their local clients.
        CREATE TABLE ${s}.clients (
          id uuid PRIMARY KEY,
          name text NOT NULL,
          kind text NOT NULL,
          -- What identifies the client software across its OAuth re-registrations: its client ID
          -- metadata document URL, or its name and redirect URIs.
          client_key text NOT NULL,
          created_at timestamptz NOT NULL,
          last_seen_at timestamptz,
          revoked_at timestamptz,
          origin uuid NOT NULL,
          seq bigint NOT NULL DEFAULT nextval('${s}.change_seq')
        );
        CREATE INDEX clients_key ON ${s}.clients (client_key) WHERE revoked_at IS NULL;
        ${changeTriggers(s, 'clients')}
      `;
    },
  },
  {
    version: 3,
    name: 'hosted server state and full-text index',
    hostedOnly: true,
    sql: (schema) => {
      const s = quoteIdent(schema);
      return `
        -- The hosted server's working state. Not synced (no seq, no notify): it changes on every call
        -- and only hosted processes read it, so it takes no tenant-wide lock.

        -- The active project of each client instance (invariant 1).
        CREATE TABLE ${s}.client_instances (
          client_id uuid NOT NULL,
          instance_key text NOT NULL,
          active_project text,
          updated_at timestamptz NOT NULL,
          PRIMARY KEY (client_id, instance_key)
        );

        -- Live state of the hosted server's open work sessions: exact on every call. work_sessions
        -- gets it at the end and at most once a minute before (so desktops see the session as active).
        CREATE TABLE ${s}.session_state (
          session_id uuid PRIMARY KEY,
          last_activity_at timestamptz NOT NULL,
          call_count integer NOT NULL,
          last_tool text,
          handover_announced boolean NOT NULL DEFAULT false,
          published_at timestamptz NOT NULL
        );
        CREATE INDEX work_sessions_open ON ${s}.work_sessions (origin, client_id, instance_key, project_name) WHERE ended_at IS NULL;

        -- The calls of the hosted server: what handovers are written from, and the activity feed.
        CREATE TABLE ${s}.activity (
          id bigserial PRIMARY KEY,
          at timestamptz NOT NULL,
          client_id uuid NOT NULL,
          project_name text,
          session_id uuid,
          tool text NOT NULL,
          ok boolean NOT NULL,
          summary text NOT NULL,
          detail jsonb
        );
        CREATE INDEX activity_session ON ${s}.activity (session_id) WHERE session_id IS NOT NULL;
        CREATE INDEX activity_at ON ${s}.activity (at);

        -- Full-text search over contexts: label weighs most, then tags, then text (as the desktop's
        -- index). Words are runs of letters and digits, as the desktop's tokenizer sees them
        -- ("api/auth" is "api" and "auth", not a file path). Declared immutable: it only calls
        -- immutable functions for a fixed configuration.
        CREATE FUNCTION ${s}.search_words(text text) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
          SELECT to_tsvector('english', regexp_replace(text, '[^[:alnum:]]+', ' ', 'g')) $fn$;
        CREATE FUNCTION ${s}.context_document(label text, tags text[], content text) RETURNS tsvector
          LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
          SELECT setweight(${s}.search_words(label), 'A')
            || setweight(${s}.search_words(array_to_string(tags, ' ')), 'B')
            || setweight(${s}.search_words(content), 'C') $fn$;
        CREATE INDEX contexts_search ON ${s}.contexts USING gin (${s}.context_document(label, tags, content));
        CREATE INDEX contexts_project_created ON ${s}.contexts (project_name, created_at);
      `;
    },
  },
  {
    version: 4,
    name: 'write calls applied once',
    hostedOnly: true,
    sql: (schema) => {
      const s = quoteIdent(schema);
      return `
        -- The first answer to each write call, by its key, for a while: a call resent after a
        -- connection reset (to this process or another) is answered from it instead of running again.
        CREATE TABLE ${s}.applied_calls (
          client_id uuid NOT NULL,
          call_key text NOT NULL,
          fingerprint text NOT NULL,
          result text NOT NULL,
          at timestamptz NOT NULL,
          PRIMARY KEY (client_id, call_key)
        );
        CREATE INDEX applied_calls_at ON ${s}.applied_calls (at);
      `;
    },
  },
  {
    version: 5,
    name: 'secret handling per project',
    sql: (schema) => `
      -- What a write that carries a credential does in this project: refused, or stored masked (synced with the project).
      ALTER TABLE ${quoteIdent(schema)}.projects ADD COLUMN secret_policy text NOT NULL DEFAULT 'refuse' CHECK (secret_policy IN ('refuse', 'mask'));`,
  },
  {
    version: 6,
    name: 'near-duplicate bands, last reads',
    hostedOnly: true,
    sql: (schema) => {
      const s = quoteIdent(schema);
      return `
        -- LSH band values of each context version (store/near-duplicates.ts), computed by the hosted
        -- server for every contexts row past filled_seq (its own and those desktops pushed): a lock
        -- finds the labels sharing a band through the GIN index.
        CREATE TABLE ${s}.context_bands (
          context_id uuid PRIMARY KEY,
          project_name text NOT NULL,
          label text NOT NULL,
          bands bigint[] NOT NULL
        );
        CREATE INDEX context_bands_lookup ON ${s}.context_bands USING gin (bands);
        CREATE TABLE ${s}.context_bands_filled (one boolean PRIMARY KEY DEFAULT true CHECK (one), filled_seq bigint NOT NULL);
        INSERT INTO ${s}.context_bands_filled (filled_seq) VALUES (0);

        -- When each context was last read (recall, resources, prompts): the dashboard's "not read in a long time".
        CREATE TABLE ${s}.context_reads (
          project_name text NOT NULL,
          label text NOT NULL,
          read_at timestamptz NOT NULL,
          PRIMARY KEY (project_name, label)
        );
      `;
    },
  },
  {
    version: 7,
    name: 'announce after commit',
    hostedOnly: true,
    sql: (schema) => `
      -- A transaction that NOTIFYs holds Postgres's one lock on the notification queue through its
      -- commit's WAL flush, so notifying commits of all tenants queue behind each other. A writer that
      -- sets dementia.announce to 'after-commit' (the hosted server) is told what changed instead, and
      -- sends the notification itself after the commit (pg/notifications.ts); desktops still notify here.
      CREATE OR REPLACE FUNCTION ${quoteIdent(schema)}.announce_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF current_setting('dementia.announce', true) = 'after-commit' THEN
          PERFORM set_config('dementia.changed', '${schema}', true);
        ELSE
          PERFORM pg_notify('${schema}', coalesce(current_setting('dementia.origin', true), ''));
        END IF;
        RETURN NULL;
      END $fn$;`,
  },
  {
    version: 8,
    name: 'near-duplicate index without a pending list',
    hostedOnly: true,
    sql: (schema) => `
      -- Every lock looks its bands up; a GIN pending list (fastupdate) is scanned whole by each lookup
      -- until a vacuum merges it, which cost a lookup 2.5 ms at a few thousand contexts.
      ALTER INDEX ${quoteIdent(schema)}.context_bands_lookup SET (fastupdate = off);`,
  },
  {
    version: 9,
    name: 'conflicts as serialization failures',
    hostedOnly: true,
    sql: (schema) => `
      -- A write decided on what it read before taking the change lock checks, once it holds it, that
      -- nothing changed meanwhile; if something did, its transaction fails the way Postgres fails a
      -- transaction that lost a race (serialization_failure), and the hosted server runs it again.
      CREATE FUNCTION ${quoteIdent(schema)}.conflict_unless(ok boolean, what text) RETURNS boolean LANGUAGE plpgsql AS $fn$
      BEGIN
        IF NOT ok THEN RAISE EXCEPTION '%', what USING ERRCODE = 'serialization_failure'; END IF;
        RETURN true;
      END $fn$;`,
  },
  {
    version: 10,
    name: 'lock_context statements with cached plans',
    hostedOnly: true,
    sql: (schema) => {
      const s = quoteIdent(schema);
      const row = `id uuid, project_name text, label text, version integer, content text, priority text, tags text[], content_hash text,
        created_at timestamptz, client_id uuid, session_id uuid`;
      const latest = (p: string, l: string) =>
        `SELECT c.id, c.project_name, c.label, c.version, c.content, c.priority, c.tags, c.content_hash, c.created_at, c.client_id, c.session_id
         FROM ${s}.live_contexts c WHERE c.project_name = ${p} AND c.label = ${l} ORDER BY c.version DESC LIMIT 1`;
      return `
        -- The hosted server sends a lock's statements as one simple query with their values inline,
        -- which Postgres plans anew each time (0.5 ms each, more than they take to run). A PL/pgSQL
        -- function's statements are planned once per connection; the server calls these instead.

        -- The latest live version of a label and the highest version number ever used (archived ones count).
        CREATE FUNCTION ${s}.latest_and_highest(p text, l text) RETURNS TABLE (highest integer, ${row})
        LANGUAGE plpgsql STABLE AS $fn$
        #variable_conflict use_column
        BEGIN
          RETURN QUERY SELECT (SELECT max(x.version) FROM ${s}.contexts x WHERE x.project_name = p AND x.label = l), c.*
            FROM (SELECT 1) one LEFT JOIN LATERAL (${latest('p', 'l')}) c ON true;
        END $fn$;

        -- Whether rows past the fill mark lack their bands (at most window_size of them looked at), and the
        -- other labels of the project whose latest version shares one of probe_bands (at most most_labels).
        CREATE FUNCTION ${s}.near_duplicate_lookup(p text, l text, probe_bands bigint[], window_size integer, most_labels integer)
        RETURNS TABLE (unbanded boolean, above integer, highest text, ${row})
        LANGUAGE plpgsql STABLE SET enable_seqscan = off AS $fn$
        #variable_conflict use_column
        BEGIN
          RETURN QUERY
            WITH above AS (SELECT c.id, c.seq FROM ${s}.contexts c WHERE c.seq > (SELECT f.filled_seq FROM ${s}.context_bands_filled f) ORDER BY c.seq LIMIT window_size),
              probe AS (SELECT bool_or(NOT EXISTS (SELECT 1 FROM ${s}.context_bands b WHERE b.context_id = a.id)) AS unbanded, count(*)::int AS above,
                max(a.seq)::text AS highest FROM above a)
            SELECT probe.*, found.* FROM probe LEFT JOIN LATERAL (
              SELECT latest.* FROM ${s}.context_bands b CROSS JOIN LATERAL (${latest('b.project_name', 'b.label')}) latest
              WHERE b.bands && probe_bands AND b.project_name = p AND b.label <> l AND latest.id = b.context_id
              ORDER BY latest.created_at DESC LIMIT most_labels) found ON true;
        END $fn$;

        -- Inserts a version numbered from what the server read before it took the change lock (which the
        -- caller holds now), with its near-duplicate bands; fails as a serialization failure
        -- (conflict_unless) when another write changed the label since, and the server runs the call again.
        CREATE FUNCTION ${s}.insert_context_version(
          new_id uuid, p text, l text, new_version integer, body text, new_priority text, new_tags text[], hash text, created timestamptz,
          client uuid, session uuid, writer uuid, read_highest integer, read_latest uuid, bands bigint[]) RETURNS boolean
        LANGUAGE plpgsql AS $fn$
        BEGIN
          PERFORM ${s}.conflict_unless(
            (SELECT coalesce(max(x.version), 0) FROM ${s}.contexts x WHERE x.project_name = p AND x.label = l) = read_highest
              AND (SELECT c.id FROM (${latest('p', 'l')}) c) IS NOT DISTINCT FROM read_latest,
            'another write changed this label since it was read');
          INSERT INTO ${s}.contexts (id, project_name, label, version, content, priority, tags, content_hash, created_at, client_id, session_id, origin, origin_version)
            VALUES (new_id, p, l, new_version, body, new_priority, new_tags, hash, created, client, session, writer, new_version);
          INSERT INTO ${s}.context_bands (context_id, project_name, label, bands) VALUES (new_id, p, l, bands);
          RETURN true;
        END $fn$;`;
    },
  },
  {
    version: 11,
    name: 'search answered from its index',
    hostedOnly: true,
    sql: (schema) => `
      -- A context's search document is costly to compute (its whole text through to_tsvector: about
      -- 20 us a short context). Declared at the default cost, a table not analysed yet (a new tenant,
      -- or one a desktop has just filled) made the planner filter the project's rows by computing it
      -- instead of asking the full-text index: 244 ms a search at 5,000 contexts, against 2.4 ms.
      ALTER FUNCTION ${quoteIdent(schema)}.context_document(text, text[], text) COST 100000;`,
  },
];

/** A versioned migration of one schema; `schema` is the (unquoted) name it applies to. */
export interface SchemaMigration {
  version: number;
  name: string;
  sql(schema: string): string;
}

/**
 * Creates `schema` if needed and applies the migrations it has not recorded in its
 * `schema_migrations`, in one transaction under an advisory lock, so that several machines or
 * processes starting together do not race. Touches no other schema.
 */
export async function ensureSchema(client: ClientBase, schema: string, migrations: readonly SchemaMigration[]): Promise<void> {
  const s = quoteIdent(schema);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [lockKey(schema, 'migrate')]);
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${s}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const applied = new Set((await client.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations`)).rows.map((row) => row.version));
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql(schema));
      await client.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * Creates the tenant schema and brings it up to date. The hosted server also applies the
 * migrations only it needs (its own state tables, the full-text index), which a desktop that only
 * syncs never pays for.
 */
export function ensureRemoteSchema(client: ClientBase, schema: string, options: { hosted?: boolean } = {}): Promise<void> {
  return ensureSchema(
    client,
    schema,
    REMOTE_MIGRATIONS.filter((migration) => options.hosted === true || migration.hostedOnly !== true),
  );
}
