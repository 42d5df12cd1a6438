import type pg from 'pg';
import { UserError } from '../errors.ts';
import type { PgTarget } from '../pg/pg-target.ts';
import { classifyFailure, describeFailure } from '../pg/pg-failure.ts';
import { quoteIdent } from '../pg/remote-schema.ts';
import { preparedOn, preparedUnknown, settlePrepared, type PreparedStatement } from './prepared-statements.ts';
import { TENANT_SCHEMA_PATTERN } from './tenant-directory.ts';

/**
 * The origin of every row the hosted server writes (`origin` columns, NOTIFY payloads): one id for
 * all hosted processes, so any of them may finish what another started (a session's handover).
 */
export const HOSTED_ORIGIN = 'd0e74712-6b86-4a0b-986e-09137bcd8c8c';

/** What a caller sees when Postgres, the hosted server's only store, cannot be reached. */
export function storeUnreachable(): UserError {
  return new UserError(
    'STORE_UNREACHABLE',
    'The memory store (Postgres) cannot be reached right now; nothing was saved.',
    'Try again in a moment; the server reconnects by itself when the store is back.',
  );
}

/** Connection trouble (refused, reset, timed out, server restarting) rather than an answer. */
export const isUnreachable = (error: unknown): boolean => !(error instanceof UserError) && classifyFailure(error) === 'offline';

/**
 * Runs `work` in one Postgres transaction on a pooled connection, as the hosted server: its writes
 * carry HOSTED_ORIGIN. A connection that failed is discarded instead of going back to the pool;
 * connection trouble becomes STORE_UNREACHABLE (nothing was committed).
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient, attempt: number, firstRows: unknown[][]) => Promise<T>,
  options: TransactionSettings = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptTransaction(pool, (client, firstRows) => work(client, attempt, firstRows), options);
    } catch (error) {
      // Another transaction won a race Postgres could not order (a deadlock, a serialization
      // failure): this one was rolled back whole, so running it again is safe.
      if (!isConflict(error)) throw error;
      if (attempt >= CONFLICT_ATTEMPTS) {
        throw new UserError('STORE_BUSY', 'The memory store was too busy with other writes to save this call; nothing was saved.', 'Try again.');
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}

interface TransactionSettings {
  /** A tenant schema: the transaction's statements see its tables only. */
  searchPath?: string;
  /** False for a call's own record: commit without waiting for the WAL flush (Postgres keeps it consistent, a crash may lose it). */
  waitForDisk?: boolean;
  /** Advisory lock keys (decimal bigints) to take, in this order, in the BEGIN round trip. */
  locks?: string[];
  /** Statements to send in the COMMIT round trip, ahead of it (a simple query: values as literals). */
  beforeCommit?: () => string;
  /**
   * Sends the notification of a change to a tenant's synced tables after the commit (with the tenant
   * schema as channel) instead of in it: see migration 7 and pg/notifications.ts. Unset, the
   * tables' triggers notify within the transaction.
   */
  announce?: (channel: string) => void;
  /** Reads sent in the BEGIN round trip, after the locks (prepared once per connection); work gets their rows, in order. */
  firstReads?: PreparedStatement[];
}

const CONFLICT_ATTEMPTS = 3;
const isConflict = (error: unknown): boolean => ['40P01', '40001'].includes((error as { code?: unknown } | null)?.code as string);

async function attemptTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient, firstRows: unknown[][]) => Promise<T>,
  options: TransactionSettings,
): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw isUnreachable(error) ? storeUnreachable() : error;
  }
  let broken: Error | undefined;
  let committing = false;
  try {
    // One round trip: the origin is a constant and the schema a checked name, so no parameters.
    const searchPath = options.searchPath === undefined ? '' : ` SET LOCAL search_path TO ${quoteIdent(tenantSchemaName(options.searchPath))};`;
    const commitMode = options.waitForDisk === false ? ' SET LOCAL synchronous_commit TO off;' : '';
    const locks = (options.locks ?? []).map((key) => ` SELECT pg_advisory_xact_lock(${lockKeyLiteral(key)});`).join('');
    const announcing = options.announce === undefined ? '' : ` SELECT set_config('dementia.announce', 'after-commit', true);`;
    const reads = preparedOn(client, options.firstReads ?? []);
    const begun: unknown = await client.query(
      `BEGIN;${searchPath}${commitMode} SELECT set_config('dementia.origin', '${HOSTED_ORIGIN}', true);${announcing}${locks} ${reads.prepare}${reads.execute.map((read) => `${read}; `).join('')}`,
    );
    settlePrepared(client);
    // Several statements always answer with an array of results: the reads are its last ones.
    const firstRows = reads.execute.length === 0 ? [] : (begun as pg.QueryResult[]).slice(-reads.execute.length).map((result) => result.rows);
    const result = await work(client, firstRows);
    committing = true;
    const changedQuery = options.announce === undefined ? '' : `SELECT current_setting('dementia.changed', true) AS changed; `;
    const committed: unknown = await client.query(`${options.beforeCommit?.() ?? ''}${changedQuery}COMMIT`);
    settlePrepared(client);
    if (options.announce && Array.isArray(committed)) {
      const changed = (committed.at(-2) as pg.QueryResult<{ changed: string | null }>).rows[0]?.changed;
      if (changed) options.announce(changed);
    }
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => (broken = rollbackError as Error));
    if (preparedUnknown(client)) broken ??= new Error('the connection may or may not hold the statements this transaction prepared');
    if (isUnreachable(error) && !isConflict(error)) {
      broken ??= error as Error;
      if (committing) {
        // The server may have committed before the connection broke: say so rather than guess.
        throw new UserError(
          'STORE_UNREACHABLE',
          'The connection to the memory store (Postgres) broke while saving; the change may or may not have been saved.',
          'Check with a read (e.g. recall_context) before repeating the call.',
        );
      }
      throw storeUnreachable();
    }
    throw error;
  } finally {
    client.release(broken);
  }
}

/**
 * Why a hosted command or server could not start on its Postgres, for the operator: what failed
 * and what to check, never a password (the target's secrets are masked).
 */
export function postgresStartError(error: unknown, target: PgTarget): UserError {
  if (error instanceof UserError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const detail = describeFailure(error, target.secrets);
  const where = `${target.host}:${target.port}/${target.database}`;
  if (code === '28P01' || code === '28000') {
    return new UserError(
      'POSTGRES_LOGIN_REFUSED',
      `Postgres at ${where} refused the login of user "${target.user}" (${detail}).`,
      'Check the user and password in DEMENTIA_PG_URL.',
    );
  }
  if (code === '3D000') {
    return new UserError(
      'POSTGRES_DATABASE_MISSING',
      `Postgres at ${where} has no database "${target.database}".`,
      'Create it (createdb) or name an existing one in DEMENTIA_PG_URL.',
    );
  }
  if (isUnreachable(error)) {
    return new UserError(
      'POSTGRES_UNREACHABLE',
      `Postgres at ${where} cannot be reached (${detail}).`,
      'Check that it runs and that DEMENTIA_PG_URL names its host and port.',
    );
  }
  return new UserError(
    'POSTGRES_ERROR',
    `Postgres at ${where} answered with an error: ${detail}.`,
    'Check DEMENTIA_PG_URL and the rights of its user (it creates schemas and tables).',
  );
}

/** A lock key, checked: it goes into the text of the BEGIN round trip, which takes no parameters. */
function lockKeyLiteral(key: string): string {
  if (!/^\d{1,19}$/.test(key)) throw new Error(`not a lock key: ${key.slice(0, 40)}`);
  return `${key}::bigint`;
}

/** A tenant schema name, checked: it goes into statement text (search_path cannot be a parameter). */
export function tenantSchemaName(schema: string): string {
  if (!TENANT_SCHEMA_PATTERN.test(schema)) throw new Error(`not a tenant schema: ${schema.slice(0, 40)}`);
  return schema;
}
