import pg from 'pg';
import { UserError } from '../../errors.ts';
import { pgClientConfig } from '../../pg/pg-connection.ts';
import { quoteIdent } from '../../pg/remote-schema.ts';
import { parsePgTarget, type PgTarget } from '../../pg/pg-target.ts';
import { describeFailure } from '../../pg/pg-failure.ts';
import {
  sessionsOf,
  tableFields,
  TABLES,
  withRefs,
  type ClaudeDementiaSource,
  type ColumnType,
  type ColumnTypes,
  type RawRow,
  type SourceContainer,
  type TableName,
  type TableSpec,
} from './source-tables.ts';

const LIMITS = { poolMax: 1, statementTimeoutMs: 300_000, connectTimeoutMs: 15_000 };

function kindOf(dataType: string): ColumnType {
  if (/^(double precision|real|numeric|integer|bigint|smallint)$/.test(dataType)) return 'numeric';
  if (dataType.startsWith('timestamp') || dataType === 'date') return 'timestamp';
  if (dataType === 'json' || dataType === 'jsonb') return 'json';
  if (dataType === 'ARRAY') return 'array';
  return 'text';
}

/** The SELECT expression that reads `column` as the field wants it, whatever type the column had. */
function expression(column: string, type: string, kind: string): string {
  const c = quoteIdent(column);
  if (kind === 'time') return type === 'numeric' ? `${c}::float8` : type === 'timestamp' ? `extract(epoch FROM ${c})::float8` : `${c}::text`;
  if (kind === 'json' && type === 'json') return c;
  if (kind === 'tags' && type === 'array') return `${c}::text[]`;
  return `${c}::text`;
}

/**
 * Reads claude-dementia's memory from its Postgres database without changing it: one read-only
 * transaction (a consistent snapshot of every schema), nothing but SELECTs.
 */
export async function readPostgresSource(url: string, dataDir: string): Promise<ClaudeDementiaSource> {
  const target = parsePgTarget(url, 'The source URL', undefined, dataDir);
  const client = new pg.Client({ ...pgClientConfig(target, LIMITS), application_name: 'dementia-companion import' });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw new UserError(
      'IMPORT_SOURCE_UNREADABLE',
      `Cannot connect to ${target.displayUrl}: ${describeFailure(error, target.secrets)}.`,
      'Check the URL (user, password, host, port, database name) and that the server is running. The import only reads it.',
    );
  }
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const containers = await readContainers(client, target);
    await client.query('COMMIT');
    return { from: target.displayUrl, containers, skipped: [] };
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function readContainers(client: pg.Client, target: PgTarget): Promise<SourceContainer[]> {
  const tables = Object.keys(TABLES);
  const { rows } = await query<{ table_schema: string; table_name: string; column_name: string; data_type: string }>(
    client,
    target,
    'the list of tables',
    `SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns
     WHERE table_name = ANY($1) AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY table_schema, table_name, ordinal_position`,
    [tables],
  );
  const schemas = new Map<string, Map<string, ColumnTypes>>();
  for (const row of rows) {
    const schema = schemas.get(row.table_schema) ?? new Map<string, ColumnTypes>();
    const columns = schema.get(row.table_name) ?? new Map();
    columns.set(row.column_name, kindOf(row.data_type));
    schema.set(row.table_name, columns);
    schemas.set(row.table_schema, schema);
  }
  const memorySchemas = [...schemas.keys()].filter((schema) => schemas.get(schema)!.has('context_locks')).sort();
  if (memorySchemas.length === 0) {
    const seen = [...schemas.keys()];
    throw new UserError(
      'IMPORT_SOURCE_UNREADABLE',
      `No claude-dementia memory in ${target.displayUrl}: no schema has a context_locks table${seen.length > 0 ? ` (found ${tables.join('/')} tables only in ${seen.map((s) => `"${s}"`).join(', ')})` : ''}.`,
      'Check the database name in the URL: claude-dementia kept its memory in the database of its DATABASE_URL, one schema per project or per API key.',
    );
  }
  const publicSessions = schemas.get('public')?.get('mcp_sessions');
  const containers: SourceContainer[] = [];
  for (const schema of memorySchemas) {
    const tablesOf = schemas.get(schema)!;
    const where = `schema "${schema}"`;
    const read = <T extends TableName>(table: T, inSchema = schema, columns = tablesOf.get(table)) =>
      columns ? readTable(client, target, where, inSchema, table, columns) : Promise.resolve([] as RawRow<T>[]);
    const mcp = tablesOf.has('mcp_sessions') ? await read('mcp_sessions') : await read('mcp_sessions', 'public', publicSessions);
    const sessions = sessionsOf([...mcp, ...(await read('sessions'))]);
    containers.push({
      where,
      project: tablesOf.get('context_locks')!.has('project_name') ? null : schema,
      locks: await read('context_locks'),
      archives: await read('context_archives'),
      entries: await read('memory_entries'),
      sessions,
    });
  }
  return containers;
}

async function readTable<T extends TableName>(
  client: pg.Client,
  target: PgTarget,
  where: string,
  schema: string,
  table: T,
  columns: ColumnTypes,
): Promise<RawRow<T>[]> {
  const spec: TableSpec = TABLES[table];
  const fields = tableFields(table, where, columns, 'Check that the URL names the claude-dementia database; the import only reads it.');
  const select = [...fields].map(([field, column]) => `${expression(column, columns.get(column)!, spec[field]!.kind)} AS ${quoteIdent(field)}`);
  const order = fields.has('id') && columns.get('id') === 'numeric' ? ` ORDER BY ${quoteIdent('id')}` : '';
  const { rows } = await query<Record<string, unknown>>(
    client,
    target,
    `table ${table} of ${where}`,
    `SELECT ${select.join(', ')} FROM ${quoteIdent(schema)}.${quoteIdent(table)}${order}`,
  );
  return withRefs(rows, schema === 'public' && table === 'mcp_sessions' ? 'schema "public"' : where, table);
}

async function query<T extends pg.QueryResultRow>(
  client: pg.Client,
  target: PgTarget,
  what: string,
  text: string,
  values?: unknown[],
): Promise<pg.QueryResult<T>> {
  try {
    return await client.query<T>(text, values);
  } catch (error) {
    throw new UserError(
      'IMPORT_SOURCE_UNREADABLE',
      `Cannot read ${what} in ${target.displayUrl}: ${describeFailure(error, target.secrets)}.`,
      'The import needs to read (SELECT) every claude-dementia table; connect as their owner. Nothing was written anywhere.',
    );
  }
}
