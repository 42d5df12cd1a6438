/**
 * The tables of claude-dementia (github banton/claude-dementia) as its versions created them, and
 * the raw rows both readers (Postgres, SQLite) hand to the planner. Column names moved between
 * versions; each field lists the names it had, first match wins.
 *
 * - Postgres, one schema per project (psycopg2 adapter): context_locks(label, version TEXT "1.0",
 *   content, metadata TEXT JSON {tags, priority}, locked_at DOUBLE PRECISION epoch, session_id),
 *   context_archives(original_id, ..., metadata, deleted_at epoch, delete_reason), memory_entries
 *   (category, content, metadata, timestamp epoch), sessions(id, started_at, project_name).
 * - Postgres, later DDL (asyncpg adapter): priority TEXT and tags TEXT[] columns, locked_at,
 *   deleted_at and memory_entries.created_at as TIMESTAMPTZ, metadata JSONB.
 * - Postgres, one schema per API key: the same tables with a project_name column; mcp_sessions
 *   (session_id, project_name) in the schema or in public.
 * - SQLite (.claude-memory.db in a project folder, ~/.claude-dementia/<hash>.db): the first DDL,
 *   locked_at REAL epoch or CURRENT_TIMESTAMP text.
 */

import { UserError } from '../../errors.ts';

export type FieldKind = 'text' | 'time' | 'json' | 'tags';

export interface FieldSpec {
  names: readonly string[];
  kind: FieldKind;
  required?: boolean;
}

export type TableSpec = Record<string, FieldSpec>;

const id: FieldSpec = { names: ['id'], kind: 'text' };
const project: FieldSpec = { names: ['project_name'], kind: 'text' };
const sessionId: FieldSpec = { names: ['session_id'], kind: 'text' };

/** What a version row has, live (context_locks) or archived (context_archives). */
const versionFields = {
  id,
  label: { names: ['label'], kind: 'text', required: true },
  version: { names: ['version'], kind: 'text' },
  content: { names: ['content'], kind: 'text', required: true },
  metadata: { names: ['metadata'], kind: 'json' },
  tags: { names: ['tags'], kind: 'tags' },
  priority: { names: ['priority'], kind: 'text' },
} as const satisfies TableSpec;

export const TABLES = {
  context_locks: {
    ...versionFields,
    lockedAt: { names: ['locked_at', 'created_at'], kind: 'time' },
    sessionId,
    project,
  },
  context_archives: {
    ...versionFields,
    originalId: { names: ['original_id'], kind: 'text' },
    deletedAt: { names: ['deleted_at'], kind: 'time' },
    sessionId,
    project,
  },
  memory_entries: {
    id,
    category: { names: ['category'], kind: 'text', required: true },
    content: { names: ['content'], kind: 'text', required: true },
    metadata: { names: ['metadata'], kind: 'json' },
    at: { names: ['timestamp', 'created_at'], kind: 'time' },
    sessionId,
    project,
  },
  sessions: {
    id: { names: ['id', 'session_id'], kind: 'text', required: true },
    project: { names: ['project_name', 'project'], kind: 'text' },
    startedAt: { names: ['started_at', 'created_at'], kind: 'time' },
  },
  mcp_sessions: {
    id: { names: ['session_id'], kind: 'text', required: true },
    project,
    startedAt: { names: ['created_at'], kind: 'time' },
  },
} as const satisfies Record<string, TableSpec>;

export type TableName = keyof typeof TABLES;

/** A row as read: the spec's fields (absent columns are undefined) plus where it is. */
export type RawRow<T extends TableName> = { [K in keyof (typeof TABLES)[T]]?: unknown } & { ref: RowRef };

/** Where a row is, for messages and stable ids. */
export interface RowRef {
  /** 'schema "linkedin"' or 'file /home/me/app/.claude-memory.db'. */
  where: string;
  table: TableName;
  /** 'id 17', or the row's position when the table has no id column. */
  row: string;
  /** Numeric order of the row in its table (its id), to break ties. */
  order: number;
}

/** Everything read from one schema or file. */
export interface SourceContainer {
  where: string;
  /**
   * The project of every row, for a schema or file per project; null for a schema per API key, where
   * each row names its project (project_name, the metadata, or its session).
   */
  project: string | null;
  locks: RawRow<'context_locks'>[];
  archives: RawRow<'context_archives'>[];
  entries: RawRow<'memory_entries'>[];
  /** Session id → its project and start, from sessions and mcp_sessions. */
  sessions: Map<string, { project: string | null; startedAt: unknown }>;
}

export interface ClaudeDementiaSource {
  /** The source as shown (URL with its password masked, or the path). */
  from: string;
  containers: SourceContainer[];
  /** Files or schemas that are not claude-dementia memory, and why. */
  skipped: { item: string; reason: string }[];
}

export type ColumnType = 'numeric' | 'timestamp' | 'json' | 'array' | 'text';

/** The columns a table has, name → the kind of value they hold. */
export type ColumnTypes = Map<string, ColumnType>;

/** For each field of a table, the column it is read from (or none). */
export function resolveColumns(spec: TableSpec, columns: ColumnTypes): { fields: Map<string, string>; missing: string[] } {
  const fields = new Map<string, string>();
  const missing: string[] = [];
  for (const [field, { names, required }] of Object.entries(spec)) {
    const column = names.find((name) => columns.has(name));
    if (column) fields.set(field, column);
    else if (required) missing.push(names[0]!);
  }
  return { fields, missing };
}

/** The fields to read from a table's columns; a table without a required one is not claude-dementia's. */
export function tableFields(table: TableName, where: string, columns: ColumnTypes, fix: string): Map<string, string> {
  const { fields, missing } = resolveColumns(TABLES[table], columns);
  if (missing.length > 0) {
    throw new UserError(
      'IMPORT_SOURCE_UNREADABLE',
      `Table ${table} of ${where} has no column ${missing.map((m) => `"${m}"`).join(', ')}: it is not a claude-dementia table this import knows.`,
      fix,
    );
  }
  return fields;
}

/** Rows as read, each with where it is: its id when the table has one, else its position. */
export function withRefs<T extends TableName>(rows: Record<string, unknown>[], where: string, table: T): RawRow<T>[] {
  return rows.map((row, index) => {
    const id = row.id ?? row.originalId;
    return {
      ...row,
      ref: { where, table, row: row.id !== undefined && row.id !== null ? `id ${String(row.id)}` : `row ${index + 1}`, order: Number(id ?? index) },
    } as RawRow<T>;
  });
}

/** Session id → its project and start, from sessions and mcp_sessions rows (a later row wins). */
export function sessionsOf(rows: readonly RawRow<'sessions' | 'mcp_sessions'>[]): SourceContainer['sessions'] {
  return new Map(rows.map((row) => [String(row.id), { project: (row.project as string | null | undefined) ?? null, startedAt: row.startedAt }]));
}

/** claude-dementia's stand-in for "no project chosen yet". */
const PENDING = '__PENDING__';

/** A project name as claude-dementia recorded it; undefined when blank or not chosen yet. */
export const recordedProject = (raw: unknown): string | undefined => (typeof raw === 'string' && raw.trim() !== '' && raw !== PENDING ? raw : undefined);
