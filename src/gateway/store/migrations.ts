import type Database from 'better-sqlite3';
import { bandsOf } from './near-duplicates.ts';

/**
 * Versioned schema migrations of the local SQLite store. Append only: a released migration is never
 * edited, a new one is added. Each runs in its own transaction and is recorded in schema_migrations.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  /** Fills what SQL alone cannot compute, in the migration's transaction. */
  readonly fill?: (db: Database.Database) => void;
}

/** Band values for every latest version written before migration 5. */
export function fillBands(db: Database.Database): void {
  const insert = db.prepare('INSERT INTO context_bands (seq, project_name, band) VALUES (?, ?, ?)');
  const page = db.prepare('SELECT seq, project_name AS project, content FROM contexts WHERE is_latest = 1 AND seq > ? ORDER BY seq LIMIT 500');
  // Pages rather than one iterator: the connection cannot write while a read is still open.
  for (let after = 0; ;) {
    const rows = page.all(after) as { seq: number; project: string; content: string }[];
    if (rows.length === 0) return;
    for (const row of rows) for (const band of bandsOf(row.content)) insert.run(row.seq, row.project, band);
    after = rows[rows.length - 1]!.seq;
  }
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'memory, clients and work sessions',
    sql: `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

      CREATE TABLE projects (
        id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL PRIMARY KEY,
        description TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );

      -- Immutable context versions. seq is the stable rowid the full-text index points at.
      CREATE TABLE contexts (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        project_name TEXT NOT NULL,
        label TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        content TEXT NOT NULL,
        priority TEXT NOT NULL CHECK (priority IN ('always_check', 'important', 'reference')),
        tags TEXT NOT NULL DEFAULT '[]',
        content_hash TEXT NOT NULL,
        is_latest INTEGER NOT NULL DEFAULT 1,
        created_at INTEGER NOT NULL,
        client_id TEXT,
        session_id TEXT,
        UNIQUE (project_name, label, version)
      );
      CREATE INDEX contexts_latest ON contexts (project_name, is_latest, label);
      CREATE INDEX contexts_recent ON contexts (project_name, created_at);

      -- Indexes only the latest live version of each label (maintained by the context store).
      CREATE VIRTUAL TABLE contexts_fts USING fts5 (
        label, content, tags,
        content = 'contexts', content_rowid = 'seq',
        tokenize = 'porter unicode61 remove_diacritics 2'
      );
      CREATE VIRTUAL TABLE contexts_fts_vocab USING fts5vocab (contexts_fts, 'row');

      -- Unlocked versions: kept whole so they can be restored, and as tombstones for sync.
      CREATE TABLE archived_contexts (
        id TEXT NOT NULL PRIMARY KEY,
        project_name TEXT NOT NULL,
        label TEXT NOT NULL,
        version INTEGER NOT NULL,
        content TEXT NOT NULL,
        priority TEXT NOT NULL,
        tags TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        client_id TEXT,
        session_id TEXT,
        archived_at INTEGER NOT NULL,
        archived_by_client TEXT,
        archived_in_session TEXT,
        UNIQUE (project_name, label, version)
      );

      CREATE TABLE clients (
        id TEXT NOT NULL PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        pinned_project TEXT,
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER,
        removed_at INTEGER
      );
      CREATE UNIQUE INDEX clients_live_name ON clients (name COLLATE NOCASE) WHERE removed_at IS NULL;

      -- The active project of each running instance of a client (one Claude Code window, say).
      CREATE TABLE client_instances (
        client_id TEXT NOT NULL,
        instance_key TEXT NOT NULL,
        active_project TEXT,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (client_id, instance_key)
      );

      CREATE TABLE work_sessions (
        id TEXT NOT NULL PRIMARY KEY,
        client_id TEXT NOT NULL,
        client_name TEXT NOT NULL,
        instance_key TEXT NOT NULL,
        project_name TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        last_activity_at INTEGER NOT NULL,
        call_count INTEGER NOT NULL DEFAULT 0,
        last_tool TEXT,
        ended_at INTEGER,
        end_reason TEXT,
        handover_announced INTEGER NOT NULL DEFAULT 0
      );
      CREATE UNIQUE INDEX work_sessions_one_open
        ON work_sessions (client_id, instance_key, project_name) WHERE ended_at IS NULL;
      CREATE INDEX work_sessions_open_by_activity ON work_sessions (last_activity_at) WHERE ended_at IS NULL;
      CREATE INDEX work_sessions_project ON work_sessions (project_name, started_at);

      CREATE TABLE handovers (
        id TEXT NOT NULL PRIMARY KEY,
        project_name TEXT NOT NULL,
        session_id TEXT NOT NULL UNIQUE,
        client_id TEXT NOT NULL,
        client_name TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER NOT NULL,
        end_reason TEXT NOT NULL,
        summary TEXT NOT NULL,
        content TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX handovers_latest ON handovers (project_name, ended_at);

      CREATE TABLE notes (
        id TEXT NOT NULL PRIMARY KEY,
        project_name TEXT NOT NULL,
        session_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('decision', 'todo', 'progress', 'note')),
        text TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX notes_session ON notes (session_id);
      CREATE INDEX notes_project ON notes (project_name, created_at);

      -- What each tool call did: the raw material of handovers and the status window's activity feed.
      CREATE TABLE activity (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        client_id TEXT NOT NULL,
        project_name TEXT,
        session_id TEXT,
        tool TEXT NOT NULL,
        ok INTEGER NOT NULL,
        summary TEXT NOT NULL,
        detail TEXT
      );
      CREATE INDEX activity_session ON activity (session_id) WHERE session_id IS NOT NULL;
      CREATE INDEX activity_at ON activity (at);

      -- One-time codes that sign the status page in to the admin API.
      CREATE TABLE admin_codes (code_hash TEXT NOT NULL PRIMARY KEY, expires_at INTEGER NOT NULL);
    `,
  },
  {
    version: 2,
    name: 'postgres sync: outbox, state, conflicts',
    sql: `
      -- Local changes not yet pushed, appended in the transaction of the change (references, not copies).
      CREATE TABLE sync_outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        entity TEXT NOT NULL,
        op TEXT NOT NULL,
        row_id TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX sync_outbox_row ON sync_outbox (row_id, entity);

      -- Machine id, sync target, pull cursor, last push and pull times.
      CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);

      -- Versions two machines created apart: both kept, one moved to the next version.
      CREATE TABLE sync_conflicts (
        id TEXT NOT NULL PRIMARY KEY,
        project_name TEXT NOT NULL,
        label TEXT NOT NULL,
        version INTEGER NOT NULL,
        kept_context_id TEXT,
        moved_context_id TEXT NOT NULL,
        moved_to_version INTEGER NOT NULL,
        detail TEXT NOT NULL,
        detected_at INTEGER NOT NULL,
        origin TEXT NOT NULL
      );
      CREATE INDEX sync_conflicts_recent ON sync_conflicts (detected_at);

      -- Work sessions pulled from other machines carry their machine id; NULL means this machine.
      ALTER TABLE work_sessions ADD COLUMN origin TEXT;

      -- Rows written before this migration go out with the first push.
      INSERT INTO sync_outbox (entity, op, row_id, created_at) SELECT 'project', 'upsert', name, created_at FROM projects ORDER BY created_at;
      INSERT INTO sync_outbox (entity, op, row_id, created_at)
        SELECT 'context', 'upsert', id, created_at FROM (
          SELECT id, created_at, version FROM contexts UNION ALL SELECT id, created_at, version FROM archived_contexts)
        ORDER BY created_at, version;
      INSERT INTO sync_outbox (entity, op, row_id, created_at) SELECT 'context', 'archive', id, archived_at FROM archived_contexts ORDER BY archived_at;
      INSERT INTO sync_outbox (entity, op, row_id, created_at) SELECT 'work_session', 'upsert', id, started_at FROM work_sessions ORDER BY started_at;
      INSERT INTO sync_outbox (entity, op, row_id, created_at) SELECT 'handover', 'upsert', id, created_at FROM handovers ORDER BY created_at;
      INSERT INTO sync_outbox (entity, op, row_id, created_at) SELECT 'note', 'upsert', id, created_at FROM notes ORDER BY created_at;
    `,
  },
  {
    version: 3,
    name: 'remote clients of the hosted server',
    sql: `
      -- The tenant's clients on the hosted server (claude.ai, remote Desktops), pulled to be shown
      -- next to the local ones. Read-only here: the hosted server owns them.
      CREATE TABLE remote_clients (
        id TEXT NOT NULL PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER,
        revoked_at INTEGER
      );
    `,
  },
  {
    version: 4,
    name: 'write calls applied once, last contact of clients',
    sql: `
      -- When a client last had an MCP session open (its last request then): "last connected".
      ALTER TABLE clients ADD COLUMN last_contact_at INTEGER;

      -- The first answer to each write call, by its key, for a while: a call resent after a
      -- connection reset is answered from it instead of running again. Local only, never synced.
      CREATE TABLE applied_calls (
        client_id TEXT NOT NULL,
        call_key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        result TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (client_id, call_key)
      ) WITHOUT ROWID;
      CREATE INDEX applied_calls_at ON applied_calls (at);
    `,
  },
  {
    version: 5,
    name: 'secret handling per project',
    sql: `
      -- What a write that carries a credential does in this project: refused, or stored masked.
      ALTER TABLE projects ADD COLUMN secret_policy TEXT NOT NULL DEFAULT 'refuse' CHECK (secret_policy IN ('refuse', 'mask'));
    `,
  },
  {
    version: 6,
    name: 'near-duplicate bands, last reads',
    fill: fillBands,
    sql: `
      -- LSH band values of each latest version (near-duplicates.ts), kept beside its full-text row
      -- (same seq): a lock finds the labels sharing a band by index. Filled for older rows on open.
      CREATE TABLE context_bands (
        seq INTEGER NOT NULL,
        project_name TEXT NOT NULL,
        band INTEGER NOT NULL,
        PRIMARY KEY (seq, band)
      ) WITHOUT ROWID;
      CREATE INDEX context_bands_lookup ON context_bands (project_name, band);

      -- When each context was last read (recalled, opened from a search, read as a resource): the
      -- dashboard shows what nobody has read in a long time. Local only, never synced.
      CREATE TABLE context_reads (
        project_name TEXT NOT NULL,
        label TEXT NOT NULL,
        read_at INTEGER NOT NULL,
        PRIMARY KEY (project_name, label)
      ) WITHOUT ROWID;
    `,
  },
];
