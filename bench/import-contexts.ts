/**
 * Import of BENCH_IMPORT_CONTEXTS (default 10k) claude-dementia context versions into an empty data
 * folder, from a SQLite file and from a Postgres schema (the old server's DDL), through the real
 * import: read, plan, then batches of 250 rows per transaction through the stores and the sync
 * outbox. Same-run baselines on the same rows: a plain bulk INSERT into the contexts table and its
 * full-text index (one transaction, no checks, no outbox: the floor), and ContextStore.lock, the
 * storage path of lock_context, in the same batches. Target: 10k contexts in seconds (>= 2,000/s).
 * And lock_context calls on the same data folder while the CLI import runs in its own process, against
 * the same calls with nothing else running: a client waits at most one batch (target <= 250 ms).
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { systemClock } from '../src/gateway/clock.ts';
import { runImport } from '../src/gateway/import/run-import.ts';
import { sha256Hex } from '../src/gateway/secrets.ts';
import { createServices, type Services } from '../src/gateway/services.ts';
import { DATABASE_FILE, openDatabase } from '../src/gateway/store/database.ts';
import type { Priority } from '../src/gateway/store/context-version.ts';
import { startPostgres } from '../test/helpers/postgres.ts';
import { OLD_SQLITE_DDL, oldPerProjectDdl } from '../test/import/helpers/old-servers.ts';
import { createCorpus } from './lib/corpus.ts';
import { openStack } from './lib/fixture.ts';
import { envInt, medianRun, printTable, summarize, writeResults, type Figure, type Summary } from './lib/report.ts';

interface OldRow {
  label: string;
  version: string;
  content: string;
  priority: Priority;
  tags: string[];
  lockedAt: number;
}

const PROJECT = 'bench-import';
const BATCH = 250;

/** Every fifth row is the next version of the row before it, as labels get revised. */
function oldRows(count: number): OldRow[] {
  const corpus = createCorpus(7);
  const rows: OldRow[] = [];
  for (let i = 0; i < count; i++) {
    const next = corpus.next();
    const previous = rows[rows.length - 1];
    const revision = i % 5 === 4 && previous !== undefined;
    rows.push({
      label: revision ? previous.label : next.topic,
      version: revision ? `1.${Number(previous.version.split('.')[1]) + 1}` : '1.0',
      content: next.content,
      priority: next.priority,
      tags: next.tags,
      lockedAt: 1_750_000_000 + i * 60,
    });
  }
  return rows;
}

const metadata = (row: OldRow) => JSON.stringify({ tags: row.tags, priority: row.priority, keywords: [], created_at: '2025-06-15T10:00:00' });

function writeSqliteSource(dir: string, rows: OldRow[]): string {
  mkdirSync(join(dir, PROJECT), { recursive: true });
  const path = join(dir, PROJECT, '.claude-memory.db');
  const file = new Database(path);
  file.exec(OLD_SQLITE_DDL);
  file.prepare('INSERT INTO sessions (id, started_at, project_name) VALUES (?, ?, ?)').run('bench_session', rows[0]!.lockedAt, PROJECT);
  const insert = file.prepare(
    'INSERT INTO context_locks (session_id, label, version, content, content_hash, locked_at, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  file.transaction(() => {
    for (const row of rows) insert.run('bench_session', row.label, row.version, row.content, sha256Hex(row.content).slice(0, 16), row.lockedAt, metadata(row));
  })();
  file.close();
  return path;
}

async function writePostgresSource(url: string, rows: OldRow[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const statement of oldPerProjectDdl(PROJECT)) await client.query(statement);
    await client.query(`INSERT INTO "${PROJECT}".sessions (id, started_at, project_name) VALUES ('bench_session', $1, $2)`, [rows[0]!.lockedAt, PROJECT]);
    for (let start = 0; start < rows.length; start += 1000) {
      const chunk = rows.slice(start, start + 1000);
      await client.query(
        `INSERT INTO "${PROJECT}".context_locks (session_id, label, version, content, content_hash, metadata, locked_at)
         SELECT 'bench_session', * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[])`,
        [
          chunk.map((r) => r.label),
          chunk.map((r) => r.version),
          chunk.map((r) => r.content),
          chunk.map((r) => sha256Hex(r.content).slice(0, 16)),
          chunk.map(metadata),
          chunk.map((r) => r.lockedAt),
        ],
      );
    }
  } finally {
    await client.end();
  }
}

function freshServices(): { services: Services; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dementia-bench-import-'));
  return { services: createServices(openDatabase(join(dir, DATABASE_FILE), systemClock), systemClock, 120), dir };
}

async function timed(work: (services: Services) => Promise<void> | void): Promise<number> {
  const { services, dir } = freshServices();
  try {
    const started = performance.now();
    await work(services);
    return (performance.now() - started) / 1000;
  } finally {
    services.db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The floor: the same rows straight into the table and the index, one transaction, nothing checked. */
function bulkInsert(services: Services, rows: OldRow[]): void {
  const { db } = services;
  services.projects.create(PROJECT);
  const insert = db.prepare(
    `INSERT INTO contexts (id, project_name, label, version, content, priority, tags, content_hash, is_latest, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const fts = db.prepare('INSERT INTO contexts_fts (rowid, label, content, tags) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    rows.forEach((row, i) => {
      const latest = rows[i + 1]?.label !== row.label;
      const tags = JSON.stringify(row.tags);
      const seq = Number(
        insert.run(
          crypto.randomUUID(),
          PROJECT,
          row.label,
          Number(row.version.split('.')[1]) + 1,
          row.content,
          row.priority,
          tags,
          sha256Hex(row.content),
          latest ? 1 : 0,
          row.lockedAt * 1000,
        ).lastInsertRowid,
      );
      if (latest) fts.run(seq, row.label, row.content, tags);
    });
  })();
}

/** lock_context's storage path (ContextStore.lock with the outbox) in batches of the import's size. */
function lockPath(services: Services, rows: OldRow[]): void {
  services.projects.create(PROJECT);
  const actor = { clientId: crypto.randomUUID(), sessionId: crypto.randomUUID() };
  for (let start = 0; start < rows.length; start += BATCH) {
    services.db
      .transaction(() => {
        for (const row of rows.slice(start, start + BATCH)) services.contexts.lock(PROJECT, row.label, row.content, row.priority, row.tags, actor);
      })
      .immediate();
  }
}

const CLI = new URL('../src/gateway/cli/main.ts', import.meta.url).pathname;

/**
 * lock_context calls through the dispatcher on one data folder, one after another, while `dementia
 * import` runs in its own process on the same folder (as beside a running gateway), and then as long
 * again with nothing else running: how long a client waits for the import's write transactions.
 */
async function locksDuringImport(from: string): Promise<{ during: Summary; alone: Summary; importSeconds: number }> {
  const stack = await openStack();
  try {
    const corpus = createCorpus(99);
    const lockOnce = async (samples: number[]) => {
      const next = corpus.next();
      const t0 = performance.now();
      await stack.call('lock_context', { topic: next.topic, content: next.content, priority: next.priority, tags: next.tags });
      samples.push(performance.now() - t0);
    };
    const during: number[] = [];
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, 'import', 'claude-dementia', '--from', from, '--data-dir', stack.dir], { stdio: 'ignore' });
    let running = true;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => ((running = false), resolve(code))));
    while (running) {
      await lockOnce(during);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    if ((await exited) !== 0) throw new Error('the import failed');
    const importSeconds = (performance.now() - started) / 1000;
    const alone: number[] = [];
    for (let i = 0; i < during.length; i++) {
      await lockOnce(alone);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return { during: summarize(during), alone: summarize(alone), importSeconds };
  } finally {
    stack.close({ remove: true });
  }
}

interface Run {
  sqlite: number;
  postgres: number;
  dryRun: number;
  bulk: number;
  lock: number;
  concurrent: Awaited<ReturnType<typeof locksDuringImport>>;
}

export async function main(): Promise<Figure[]> {
  const count = envInt('BENCH_IMPORT_CONTEXTS', 10_000);
  const runs = envInt('BENCH_RUNS', 3);
  const rows = oldRows(count);
  const work = mkdtempSync(join(tmpdir(), 'dementia-bench-import-source-'));
  const server = await startPostgres();
  try {
    const sqliteFile = writeSqliteSource(work, rows);
    const database = await server.createDatabase('claude_dementia');
    await writePostgresSource(server.url(database), rows);
    console.log(
      `import: ${count} claude-dementia context versions (${new Set(rows.map((r) => r.label)).size} labels), ${runs} runs, into an empty data folder`,
    );
    const check = (services: Services) => {
      const written = services.db.prepare('SELECT count(*) FROM contexts').pluck().get() as number;
      if (written !== count) throw new Error(`expected ${count} contexts, found ${written}`);
    };
    const importFrom =
      (from: string, dryRun = false) =>
      async (services: Services) => {
        await runImport({ kind: 'claude-dementia', from, dryRun }, services, { dataDir: work });
        if (!dryRun) check(services);
      };
    const { results, median } = await medianRun<Run>(
      runs,
      async () => ({
        sqlite: await timed(importFrom(sqliteFile)),
        postgres: await timed(importFrom(server.url(database))),
        dryRun: await timed(importFrom(sqliteFile, true)),
        bulk: await timed((services) => (bulkInsert(services, rows), check(services))),
        lock: await timed((services) => (lockPath(services, rows), check(services))),
        concurrent: await locksDuringImport(sqliteFile),
      }),
      (run) => run.sqlite,
    );
    for (const [i, r] of results.entries()) {
      console.log(
        `  run ${i + 1}: SQLite source ${r.sqlite.toFixed(2)} s, Postgres source ${r.postgres.toFixed(2)} s, dry run ${r.dryRun.toFixed(2)} s; bulk insert ${r.bulk.toFixed(2)} s, lock path ${r.lock.toFixed(2)} s`,
      );
      const c = r.concurrent;
      console.log(
        `         lock_context during a CLI import (${c.importSeconds.toFixed(1)} s, ${c.during.count} calls): p50 ${c.during.p50.toFixed(2)} ms, p99 ${c.during.p99.toFixed(1)} ms, max ${c.during.max.toFixed(1)} ms; alone: p50 ${c.alone.p50.toFixed(2)} ms, p99 ${c.alone.p99.toFixed(1)} ms, max ${c.alone.max.toFixed(1)} ms`,
      );
    }
    const rate = (seconds: number) => count / seconds;
    const figures: Figure[] = [
      { figure: `import ${count / 1000}k contexts from SQLite`, value: rate(median.sqlite), unit: 'rows/s', target: { op: '>=', value: 2000 } },
      { figure: `import ${count / 1000}k contexts from Postgres`, value: rate(median.postgres), unit: 'rows/s', target: { op: '>=', value: 2000 } },
      { figure: `import ${count / 1000}k contexts from SQLite, total`, value: median.sqlite, unit: 's' },
      { figure: 'dry run (read + plan + decide)', value: rate(median.dryRun), unit: 'rows/s' },
      { figure: 'baseline: bulk INSERT + index, 1 transaction', value: rate(median.bulk), unit: 'rows/s' },
      { figure: 'baseline: ContextStore.lock, same batches', value: rate(median.lock), unit: 'rows/s' },
      { figure: 'lock_context max wait during a CLI import', value: median.concurrent.during.max, unit: 'ms', target: { op: '<=', value: 250 } },
      { figure: 'lock_context p99 during a CLI import', value: median.concurrent.during.p99, unit: 'ms' },
      { figure: 'lock_context p99 with no import (baseline)', value: median.concurrent.alone.p99, unit: 'ms' },
      { figure: 'lock_context max with no import (baseline)', value: median.concurrent.alone.max, unit: 'ms' },
    ];
    printTable(`import, median of ${runs} runs by the SQLite import time`, figures);
    console.log(`results: ${writeResults('import-contexts', { count, runs: results, median, figures })}`);
    return figures;
  } finally {
    await server.dispose();
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
