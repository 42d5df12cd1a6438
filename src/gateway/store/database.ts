import Database from 'better-sqlite3';
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '../clock.ts';
import { migrations } from './migrations.ts';

export type Db = Database.Database;

export const DATABASE_FILE = 'dementia.sqlite';

/**
 * Opens (creating if needed) the local store and brings its schema up to date.
 * WAL with synchronous=NORMAL: a committed transaction survives a killed process, and readers
 * (CLI, status page) never block the writer.
 */
export function openDatabase(path: string, clock: Clock): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new Database(path);
  // The store holds everything the user told their models: readable by the user only.
  if (path !== ':memory:') chmodSync(path, 0o600);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.pragma('cache_size = -32000');
  // A write to contexts touches ~30 pages (rows, indexes, full-text segments). Checkpointing every
  // 1000 WAL pages (the default) put a checkpoint with its fsyncs into one call in ~30; every
  // 10000 pages (~40 MB of WAL) makes them ten times rarer and copies each hot page once per round.
  db.pragma('wal_autocheckpoint = 10000');
  migrate(db, clock);
  return db;
}

function migrate(db: Db, clock: Clock): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      migration.fill?.(db);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.name, clock.now());
    }).immediate();
  }
}
