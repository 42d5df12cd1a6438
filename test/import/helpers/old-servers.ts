import Database from 'better-sqlite3';
import type { TestPostgres } from '../../helpers/postgres.ts';

/**
 * Memory as claude-dementia (github banton/claude-dementia) left it, built with the DDL its
 * versions ran, so the import reads real tables of real Postgres and SQLite databases:
 * - "linkedin": one schema per project, the psycopg2 adapter's DDL (metadata TEXT holding priority
 *   and tags, locked_at DOUBLE PRECISION epoch, version TEXT, handovers as sleep() wrote them);
 * - "innkeeper": one schema per project, the asyncpg adapter's DDL (priority TEXT and tags TEXT[]
 *   columns, TIMESTAMPTZ times, metadata JSONB, handovers as finalize_handover wrote them: JSON
 *   content with the real end time, inserted later by the sweeper). Its `embedding vector(1024)`
 *   column needs pgvector and is left out: the import never reads it;
 * - "dementia_0f1e2d3c4b5a6978": one schema per API key, projects in project_name columns, and
 *   public.mcp_sessions naming the project of a session.
 */

/** 2025-06-02 08:00 UTC, in epoch seconds as the old server stored times. */
export const T0 = Date.UTC(2025, 5, 2, 8, 0, 0) / 1000;
export const HOUR = 3600;

export const VOICE_VERSIONS = ['1.0', '1.1', '1.2', '1.3', '1.4', '1.5', '1.6', '1.7', '1.8', '1.9', '1.10'];
export const voiceText = (version: string) => `Voice guide revision ${version}: short sentences, first person, no buzzwords.`;

/** The real end of innkeeper's last session (finished_at); its row was written 30 minutes later. */
export const INNKEEPER_FINISHED = '2025-07-01T17:30:00+00:00';

/** One project's schema as the psycopg2 adapter created it (the tables the import reads). */
export function oldPerProjectDdl(schema: string): string[] {
  const s = `"${schema}"`;
  return [
    `CREATE SCHEMA ${s}`,
    `CREATE TABLE ${s}.sessions (id TEXT PRIMARY KEY, started_at DOUBLE PRECISION, last_active DOUBLE PRECISION,
      project_fingerprint TEXT, project_path TEXT, project_name TEXT, summary TEXT)`,
    `CREATE TABLE ${s}.context_locks (id SERIAL PRIMARY KEY, session_id TEXT NOT NULL, label TEXT NOT NULL, version TEXT,
      content TEXT, content_hash TEXT, metadata TEXT, tags TEXT, locked_at DOUBLE PRECISION, last_accessed DOUBLE PRECISION,
      access_count INTEGER DEFAULT 0, preview TEXT, key_concepts TEXT, embedding BYTEA, embedding_model TEXT,
      FOREIGN KEY (session_id) REFERENCES ${s}.sessions(id))`,
    `CREATE TABLE ${s}.memory_entries (id SERIAL PRIMARY KEY, session_id TEXT, timestamp DOUBLE PRECISION, category TEXT,
      content TEXT, metadata TEXT, FOREIGN KEY (session_id) REFERENCES ${s}.sessions(id))`,
    `CREATE TABLE ${s}.context_archives (id SERIAL PRIMARY KEY, original_id INTEGER NOT NULL, session_id TEXT NOT NULL,
      label TEXT NOT NULL, version TEXT NOT NULL, content TEXT NOT NULL, preview TEXT, key_concepts TEXT, metadata TEXT,
      deleted_at DOUBLE PRECISION DEFAULT EXTRACT(EPOCH FROM CURRENT_TIMESTAMP), delete_reason TEXT,
      FOREIGN KEY (session_id) REFERENCES ${s}.sessions(id))`,
  ];
}

export async function createOldServerSchemas(pg: TestPostgres, database: string): Promise<void> {
  const q = (sql: string, values: unknown[] = []) => pg.query(database, sql, values);

  for (const statement of oldPerProjectDdl('linkedin')) await q(statement);
  await q(
    `INSERT INTO linkedin.sessions (id, started_at, last_active, project_path, project_name) VALUES ('link_1a2b3c4d', $1, $2, '/Users/me/linkedin', 'linkedin')`,
    [T0, T0 + 6 * HOUR],
  );
  const lock = (label: string, version: string, content: string, metadata: unknown, lockedAt: number, tags: string | null = null) =>
    q(
      `INSERT INTO linkedin.context_locks (session_id, label, version, content, content_hash, metadata, tags, locked_at, preview, key_concepts)
       VALUES ('link_1a2b3c4d', $1, $2, $3, 'abcdef0123456789', $4, $5, $6, left($3, 40), '[]')`,
      [label, version, content, metadata === null ? null : JSON.stringify(metadata), tags, lockedAt],
    );
  for (const [i, version] of VOICE_VERSIONS.entries()) {
    await lock(
      'voice',
      version,
      voiceText(version),
      { tags: ['Writing', ' tone'], priority: 'important', keywords: [], created_at: '2025-06-02T10:00:00' },
      T0 + i * 600,
    );
  }
  await lock(
    'posting-rules',
    '1.0',
    'ALWAYS post on Tuesday mornings; NEVER tag more than three people.',
    { tags: ['rules'], priority: 'always_check' },
    T0 + 2 * HOUR,
  );
  await lock('hashtags', '1.0', 'Use #buildinpublic and #indiehackers, nothing else.', { tags: ['reach'], priority: 'critical' }, T0 + 3 * HOUR);
  await lock('bio', '1.0', 'Founder of a two-person studio; ex-infantry officer.', null, T0 + 4 * HOUR, 'profile,About');
  await q(
    `INSERT INTO linkedin.context_archives (original_id, session_id, label, version, content, metadata, deleted_at, delete_reason)
    VALUES (99, 'link_1a2b3c4d', 'old-schedule', '1.0', 'Post daily at 7am.', $1, $2, 'Deleted all version(s)')`,
    [JSON.stringify({ tags: ['schedule'], priority: 'important' }), T0 + 5 * HOUR],
  );
  const entry = (category: string, content: string, metadata: unknown, at: number) =>
    q(`INSERT INTO linkedin.memory_entries (session_id, timestamp, category, content, metadata) VALUES ('link_1a2b3c4d', $1, $2, $3, $4)`, [
      at,
      category,
      content,
      metadata === null ? null : JSON.stringify(metadata),
    ]);
  await entry('progress', 'Drafted three posts about the launch.', {}, T0 + HOUR);
  await entry('todo', 'Reply to the comments on the hiring post.', {}, T0 + 1.5 * HOUR);
  await entry(
    'handover',
    'Session handover: 2h 0m of work',
    { timestamp: T0 + 2 * HOUR, session_id: 'link_1a2b3c4d', duration: '2h 0m', work_done: { progress: ['Outlined the launch week.'] }, next_steps: {} },
    T0 + 2 * HOUR,
  );
  await entry(
    'handover',
    'Session handover: 6h 0m of work',
    {
      timestamp: T0 + 6 * HOUR,
      session_id: 'link_1a2b3c4d',
      duration: '6h 0m',
      current_state: { recent_files: [] },
      work_done: { progress: ['Drafted three posts about the launch.'], completed_todos: ['Pick the banner image'] },
      next_steps: { todos: [{ content: 'Schedule the launch post', priority: 2 }], questions: ['Which headline tested better?'] },
      important_context: {
        locked: [
          { label: 'voice', version: '1.10' },
          { label: 'posting-rules', version: '1.0' },
        ],
      },
    },
    T0 + 6 * HOUR,
  );

  await q(`CREATE SCHEMA innkeeper`);
  await q(`CREATE TABLE innkeeper.sessions (id TEXT PRIMARY KEY, project_name TEXT NOT NULL, created_at TIMESTAMPTZ DEFAULT NOW(),
    last_accessed_at TIMESTAMPTZ DEFAULT NOW(), status TEXT DEFAULT 'active', client_info JSONB DEFAULT '{}'::jsonb)`);
  await q(`CREATE TABLE innkeeper.context_locks (id SERIAL PRIMARY KEY, label TEXT NOT NULL, version TEXT NOT NULL DEFAULT '1.0',
    content TEXT NOT NULL, preview TEXT, key_concepts TEXT[], tags TEXT[], priority TEXT DEFAULT 'reference',
    locked_at TIMESTAMPTZ DEFAULT NOW(), session_id TEXT, UNIQUE(label, version))`);
  await q(`CREATE TABLE innkeeper.memory_entries (id SERIAL PRIMARY KEY, session_id TEXT NOT NULL, category TEXT NOT NULL,
    content TEXT NOT NULL, metadata JSONB DEFAULT '{}'::jsonb, created_at TIMESTAMPTZ DEFAULT NOW())`);
  await q(`CREATE TABLE innkeeper.context_archives (id SERIAL PRIMARY KEY, label TEXT NOT NULL, version TEXT NOT NULL,
    content TEXT NOT NULL, deleted_at TIMESTAMPTZ DEFAULT NOW(), deleted_by TEXT)`);
  await q(`INSERT INTO innkeeper.sessions (id, project_name, created_at) VALUES ('inn-7f3a', 'innkeeper', '2025-07-01T16:00:00Z')`);
  await q(`INSERT INTO innkeeper.context_locks (label, version, content, tags, priority, locked_at, session_id) VALUES
    ('checkin-flow', '1.0', 'Guests check in with a QR code at the door.', '{Ops,Deploy}', 'important', '2025-07-01T16:10:00Z', 'inn-7f3a'),
    ('checkin-flow', '1.1', 'Guests check in with a QR code; staff can override at the desk.', '{Ops,Deploy}', 'important', '2025-07-01T16:40:00Z', 'inn-7f3a'),
    ('pricing', '1.0', 'Prices always include VAT.', '{billing}', 'always_check', '2025-07-01T16:20:00Z', 'inn-7f3a')`);
  await q(`INSERT INTO innkeeper.context_archives (label, version, content, deleted_at, deleted_by) VALUES
    ('pricing', '1.1', 'Prices exclude VAT for business guests.', '2025-07-01T17:00:00Z', 'inn-7f3a')`);
  await q(
    `INSERT INTO innkeeper.memory_entries (session_id, category, content, metadata, created_at) VALUES ('inn-7f3a', 'handover', $1, '{"project_name": "innkeeper"}', '2025-07-01T18:00:00Z')`,
    [
      JSON.stringify({
        session_id: 'inn-7f3a',
        project_name: 'innkeeper',
        created_at: '2025-07-01T16:00:00+00:00',
        finished_at: INNKEEPER_FINISHED,
        work_done: ['Rewrote the check-in flow'],
        tools_used: ['lock_context', 'unlock_context'],
        next_steps: ['Test the pricing page on mobile'],
        important_context: {},
      }),
    ],
  );

  const s = 'dementia_0f1e2d3c4b5a6978';
  await q(`CREATE SCHEMA ${s}`);
  await q(`CREATE TABLE ${s}.context_locks (id SERIAL PRIMARY KEY, project_name TEXT NOT NULL, label TEXT NOT NULL, version TEXT NOT NULL DEFAULT '1.0',
    content TEXT NOT NULL, preview TEXT, key_concepts TEXT[], priority TEXT DEFAULT 'reference', tags TEXT[], metadata JSONB DEFAULT '{}'::jsonb,
    created_at TIMESTAMPTZ DEFAULT NOW(), locked_at TIMESTAMPTZ DEFAULT NOW(), last_accessed TIMESTAMPTZ, access_count INTEGER DEFAULT 0,
    session_id TEXT, UNIQUE (project_name, label, version))`);
  await q(`CREATE TABLE ${s}.memory_entries (id SERIAL PRIMARY KEY, session_id TEXT, timestamp DOUBLE PRECISION, category TEXT, content TEXT, metadata TEXT)`);
  await q(`CREATE TABLE public.mcp_sessions (session_id TEXT PRIMARY KEY, created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    last_active TIMESTAMP WITH TIME ZONE DEFAULT NOW(), capabilities JSONB DEFAULT '{}', expires_at TIMESTAMP WITH TIME ZONE,
    client_info JSONB DEFAULT '{}', project_name TEXT DEFAULT '__PENDING__', session_summary JSONB)`);
  await q(
    `INSERT INTO public.mcp_sessions (session_id, created_at, project_name) VALUES ('9b4475c5', '2025-11-16T09:26:58Z', 'Client Portal'), ('7ed13d2c', '2025-11-16T09:27:35Z', '__PENDING__')`,
  );
  await q(`INSERT INTO ${s}.context_locks (project_name, label, version, content, priority, tags, metadata, locked_at, session_id) VALUES
    ('Client Portal', 'auth', '1.0', 'Sessions live 12 hours; refresh tokens rotate.', 'important', '{Security}', '{"keywords": ["security"]}', '2025-11-16T09:30:00Z', '9b4475c5'),
    ('home-lab', 'backups', '1.0', 'Nightly restic backups to the NAS.', 'reference', NULL, '{"tags": ["NAS", "ops"]}', '2025-11-16T10:00:00Z', NULL),
    ('__PENDING__', 'stray', '1.0', 'Locked before a project was selected.', 'reference', NULL, '{}', '2025-11-16T09:27:40Z', '7ed13d2c')`);
  await q(
    `INSERT INTO ${s}.memory_entries (session_id, timestamp, category, content, metadata) VALUES
    ('9b4475c5', $1, 'progress', 'Moved the login page to server-side sessions.', NULL),
    ('9b4475c5', NULL, 'decision', 'Passkeys first, passwords as a fallback.', NULL),
    ('3f3430a3', $2, 'handover', $3, '{"project_name": "home-lab"}')`,
    [
      Date.UTC(2025, 10, 16, 9, 40) / 1000,
      Date.UTC(2025, 10, 16, 11, 5) / 1000,
      JSON.stringify({
        session_id: '3f3430a3',
        project_name: 'home-lab',
        created_at: '2025-11-16T09:50:00+00:00',
        finished_at: '2025-11-16T11:00:00+00:00',
        work_done: ['Set up restic'],
        next_steps: [],
        important_context: {},
      }),
    ],
  );
}

/** A database whose rows the import cannot read: bad JSON in a context's metadata and in a handover. */
export async function createBrokenSchema(pg: TestPostgres, database: string): Promise<void> {
  const q = (sql: string, values: unknown[] = []) => pg.query(database, sql, values);
  await q(`CREATE SCHEMA notes`);
  await q(`CREATE TABLE notes.context_locks (id SERIAL PRIMARY KEY, session_id TEXT NOT NULL, label TEXT NOT NULL, version TEXT, content TEXT,
    content_hash TEXT, metadata TEXT, tags TEXT, locked_at DOUBLE PRECISION)`);
  await q(`CREATE TABLE notes.memory_entries (id SERIAL PRIMARY KEY, session_id TEXT, timestamp DOUBLE PRECISION, category TEXT, content TEXT, metadata TEXT)`);
  await q(
    `INSERT INTO notes.context_locks (session_id, label, version, content, content_hash, metadata, locked_at) VALUES
    ('s1', 'fine', '1.0', 'This row is fine.', 'x', '{"priority": "important", "tags": []}', $1),
    ('s1', 'broken', '1.0', 'This row has bad metadata.', 'x', '{"priority": "important", "tags": [', $1)`,
    [T0],
  );
  await q(
    `INSERT INTO notes.memory_entries (session_id, timestamp, category, content, metadata) VALUES
    ('s1', $1, 'progress', 'A fine progress note.', '{}'),
    ('s1', $1, 'handover', '{"work_done": ["half a record"', NULL)`,
    [T0],
  );
}

/** The tables of a local `.claude-memory.db` as claude_mcp_hybrid.py created them. */
export const OLD_SQLITE_DDL = `
    CREATE TABLE sessions (id TEXT PRIMARY KEY, started_at REAL NOT NULL, ended_at REAL, summary TEXT, last_active REAL,
      project_fingerprint TEXT, project_path TEXT, project_name TEXT);
    CREATE TABLE memory_entries (id INTEGER PRIMARY KEY AUTOINCREMENT, category TEXT NOT NULL, content TEXT NOT NULL, metadata TEXT,
      timestamp REAL NOT NULL, session_id TEXT, FOREIGN KEY (session_id) REFERENCES sessions(id));
    CREATE TABLE context_locks (id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, label TEXT NOT NULL,
      version TEXT NOT NULL DEFAULT '1.0', content TEXT NOT NULL CHECK(length(content) <= 51200), content_hash TEXT NOT NULL,
      locked_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, lock_source TEXT DEFAULT 'user', is_persistent BOOLEAN DEFAULT 0,
      parent_version TEXT, metadata TEXT, preview TEXT, key_concepts TEXT, related_contexts TEXT, last_accessed TIMESTAMP,
      access_count INTEGER DEFAULT 0, UNIQUE(session_id, label, version), CHECK(version GLOB '[0-9]*.[0-9]*'));
    CREATE TABLE context_archives (id INTEGER PRIMARY KEY AUTOINCREMENT, original_id INTEGER NOT NULL, session_id TEXT NOT NULL,
      label TEXT NOT NULL, version TEXT NOT NULL, content TEXT NOT NULL, preview TEXT, key_concepts TEXT, metadata TEXT,
      deleted_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, delete_reason TEXT);
`;

/**
 * A local `.claude-memory.db` as claude_mcp_hybrid.py created it (SQLite): locked_at REAL from
 * time.time() or CURRENT_TIMESTAMP text, metadata JSON text, UNIQUE(session_id, label, version),
 * so a label locked again in a later session restarts at "1.0".
 */
export function createOldSqliteFile(path: string, projectName: string): void {
  const db = new Database(path);
  db.exec(OLD_SQLITE_DDL);
  const session = db.prepare('INSERT INTO sessions (id, started_at, last_active, project_path, project_name) VALUES (?, ?, ?, ?, ?)');
  session.run('session_1754985844_77203', T0, T0 + HOUR, `/Users/me/${projectName}`, projectName);
  session.run('clau_57e9a16c', T0 + 24 * HOUR, T0 + 26 * HOUR, `/Users/me/${projectName}`, projectName);
  const lock = db.prepare('INSERT INTO context_locks (session_id, label, version, content, content_hash, locked_at, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const meta = (priority: string, tags: string[]) => JSON.stringify({ tags, priority, keywords: [], created_at: '2024-01-01T00:00:00' });
  lock.run('session_1754985844_77203', 'architecture', '1.0', 'Monolith first.', 'h1', T0 + 60, meta('important', ['design']));
  lock.run('session_1754985844_77203', 'architecture', '1.1', 'Monolith first; split out search later.', 'h2', T0 + 120, meta('important', ['design']));
  // The next session counted its own versions: its "1.0" is the newest text.
  lock.run('clau_57e9a16c', 'architecture', '1.0', 'Search is its own service now.', 'h3', T0 + 25 * HOUR, meta('important', ['design']));
  db.prepare(
    "INSERT INTO context_locks (session_id, label, version, content, content_hash) VALUES ('clau_57e9a16c', 'test_memory_1', '1.0', 'Stored with the default CURRENT_TIMESTAMP.', 'h4')",
  ).run();
  db.prepare("UPDATE context_locks SET locked_at = '2025-06-03 09:15:42' WHERE label = 'test_memory_1'").run();
  db.prepare(
    'INSERT INTO context_archives (original_id, session_id, label, version, content, metadata, deleted_at, delete_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(
    7,
    'clau_57e9a16c',
    'test_api_spec',
    '1.0',
    'POST /login returns a session cookie.',
    meta('important', ['api']),
    T0 + 25.5 * HOUR,
    'Deleted all version(s)',
  );
  const entry = db.prepare('INSERT INTO memory_entries (category, content, metadata, timestamp, session_id) VALUES (?, ?, ?, ?, ?)');
  entry.run('progress', 'Split the search service out.', '{}', T0 + 25 * HOUR, 'clau_57e9a16c');
  entry.run(
    'handover',
    'Session handover: 2h 0m of work',
    JSON.stringify({
      timestamp: T0 + 26 * HOUR,
      session_id: 'clau_57e9a16c',
      duration: '2h 0m',
      work_done: { progress: ['Split the search service out.'] },
      next_steps: { todos: [{ content: 'Load-test search', priority: 1 }] },
      important_context: { locked: [{ label: 'architecture', version: '1.0' }] },
    }),
    T0 + 26 * HOUR,
    'clau_57e9a16c',
  );
  db.close();
}
