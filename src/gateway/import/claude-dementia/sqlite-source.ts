import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { UserError } from '../../errors.ts';
import { quoteIdent } from '../../pg/remote-schema.ts';
import {
  recordedProject,
  sessionsOf,
  tableFields,
  withRefs,
  type ClaudeDementiaSource,
  type ColumnTypes,
  type RawRow,
  type SourceContainer,
  type TableName,
} from './source-tables.ts';

/** Where claude-dementia kept the folder each ~/.claude-dementia/<hash>.db belonged to. */
const PATH_MAPPING = 'path_mapping.json';

class NotMemory extends Error {}

/**
 * Reads claude-dementia's local SQLite memory: one file (a project's `.claude-memory.db`, or
 * `~/.claude-dementia/<hash>.db`) or every `.db` file of a folder. Opened read-only: the files are
 * never changed. `project` names the project of a single file instead of the name the file implies.
 */
export function readSqliteSource(path: string, project?: string): ClaudeDementiaSource {
  const full = resolve(path);
  if (!existsSync(full)) {
    throw new UserError(
      'IMPORT_SOURCE_UNREADABLE',
      `There is no file or folder ${full}.`,
      'Pass a claude-dementia database (.claude-memory.db, ~/.claude-dementia/<hash>.db), its folder, or a postgres:// URL.',
    );
  }
  if (!statSync(full).isDirectory()) {
    try {
      return { from: full, containers: [readFile(full, project)], skipped: [] };
    } catch (error) {
      if (error instanceof NotMemory)
        throw new UserError(
          'IMPORT_SOURCE_UNREADABLE',
          `${full} ${error.message}.`,
          'Pass a claude-dementia database: a .claude-memory.db file or ~/.claude-dementia/<hash>.db.',
        );
      throw error;
    }
  }
  if (project !== undefined) {
    throw new UserError(
      'INVALID_ARGUMENTS',
      '--project names the project of one database file, not of a folder.',
      'Pass one .db file with --project, or the folder without it.',
    );
  }
  const files = readdirSync(full)
    .filter((name) => extname(name) === '.db')
    .sort();
  const source: ClaudeDementiaSource = { from: full, containers: [], skipped: [] };
  for (const name of files) {
    try {
      source.containers.push(readFile(join(full, name)));
    } catch (error) {
      if (!(error instanceof NotMemory)) throw error;
      source.skipped.push({ item: `file ${join(full, name)}`, reason: error.message });
    }
  }
  if (source.containers.length === 0) {
    throw new UserError(
      'IMPORT_SOURCE_UNREADABLE',
      `${full} holds no claude-dementia database (${files.length === 0 ? 'no .db files' : `${files.length} .db file(s), none with a context_locks table`}).`,
      'Pass the folder that holds the .db files (~/.claude-dementia) or one database file.',
    );
  }
  return source;
}

function readFile(file: string, project?: string): SourceContainer {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('query_only = ON');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (error) {
    throw new NotMemory(`is not a SQLite database (${(error as Error).message})`);
  }
  try {
    const where = `file ${file}`;
    const columnsOf = (table: TableName): ColumnTypes | undefined => {
      const info = db.prepare(`PRAGMA table_info(${quoteIdent(table)})`).all() as { name: string }[];
      return info.length === 0 ? undefined : new Map(info.map((column) => [column.name, 'text' as const]));
    };
    const lockColumns = columnsOf('context_locks');
    if (!lockColumns) throw new NotMemory('has no context_locks table: it is not a claude-dementia database');
    const read = <T extends TableName>(table: T): RawRow<T>[] => {
      const columns = table === 'context_locks' ? lockColumns : columnsOf(table);
      return columns ? readTable(db, where, table, columns) : [];
    };
    const sessionRows = read('sessions');
    const sessions = sessionsOf(sessionRows);
    return {
      where,
      project:
        project ??
        projectOfFile(
          file,
          sessionRows.map((row) => row.project),
        ),
      locks: read('context_locks'),
      archives: read('context_archives'),
      entries: read('memory_entries'),
      sessions,
    };
  } finally {
    db.close();
  }
}

function readTable<T extends TableName>(db: Database.Database, where: string, table: T, columns: ColumnTypes): RawRow<T>[] {
  const fields = tableFields(table, where, columns, 'Pass a claude-dementia database; the import only reads it.');
  const select = [...fields].map(([field, column]) => `${quoteIdent(column)} AS ${quoteIdent(field)}`).join(', ');
  const order = fields.has('id') ? ` ORDER BY ${quoteIdent(fields.get('id')!)}` : '';
  const rows = db.prepare(`SELECT ${select} FROM ${quoteIdent(table)}${order}`).all() as Record<string, unknown>[];
  for (const row of rows) {
    for (const [key, value] of Object.entries(row)) if (Buffer.isBuffer(value)) row[key] = value.toString('utf8');
  }
  return withRefs(rows, where, table);
}

/**
 * The project a database belonged to, as claude-dementia named it: the project its sessions
 * recorded, else the folder path_mapping.json names, else the project folder of a
 * `.claude-memory.db`, else the file name.
 */
function projectOfFile(file: string, sessionProjects: unknown[]): string {
  const counts = new Map<string, number>();
  for (const name of sessionProjects) {
    const named = recordedProject(name);
    if (named) counts.set(named, (counts.get(named) ?? 0) + 1);
  }
  const mostUsed = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
  if (mostUsed) return mostUsed[0];
  const stem = basename(file, '.db');
  try {
    const mapping = JSON.parse(readFileSync(join(dirname(file), PATH_MAPPING), 'utf8')) as Record<string, { name?: unknown }>;
    const named = mapping[stem]?.name;
    if (typeof named === 'string' && named.trim() !== '') return named;
  } catch {
    // No mapping file (a project's own .claude-memory.db), or an unreadable one: other clues follow.
  }
  return basename(file) === '.claude-memory.db' ? basename(dirname(file)) : stem;
}
