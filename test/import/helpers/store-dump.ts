import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DATABASE_FILE } from '../../../src/gateway/store/database.ts';

/**
 * Every row of every table of a data folder's store (full-text index shadow tables included), as
 * one string: two dumps are equal exactly when the store holds the same set of rows.
 */
export function dumpStore(dataDir: string): string {
  const path = join(dataDir, DATABASE_FILE);
  if (!existsSync(path)) return '(no store)';
  const db = new Database(path, { readonly: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name")
      .pluck()
      .all() as string[];
    return tables
      .map((table) => {
        const rows = db.prepare(`SELECT * FROM "${table}"`).raw().all() as unknown[][];
        const lines = rows.map((row) => JSON.stringify(row, (_key, value: unknown) => (Buffer.isBuffer(value) ? value.toString('hex') : value))).sort();
        return `${table}\n${lines.join('\n')}`;
      })
      .join('\n\n');
  } finally {
    db.close();
  }
}

/** Rows of one table, for targeted assertions. */
export function storeRows<T>(dataDir: string, sql: string, ...values: unknown[]): T[] {
  const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
  try {
    return db.prepare(sql).all(...values) as T[];
  } finally {
    db.close();
  }
}
