import pg from 'pg';
import type { Logger } from '../logger.ts';
import { tlsOptions, type PgTarget } from './pg-target.ts';
import { describeFailure } from './pg-failure.ts';

export interface ConnectionLimits {
  /** Connections the worker may hold at once (the LISTEN connection comes on top). */
  poolMax: number;
  /** Server-side cap per statement, so a slow server cannot hold a push forever. */
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  /** How the connections name themselves in pg_stat_activity. */
  applicationName?: string;
}

export function pgClientConfig(config: PgTarget, limits: ConnectionLimits): pg.ClientConfig {
  return {
    host: config.host,
    port: config.port,
    database: config.database,
    user: config.user,
    ...(config.password !== undefined ? { password: config.password } : {}),
    ssl: tlsOptions(config),
    application_name: limits.applicationName ?? 'dementia-companion',
    statement_timeout: limits.statementTimeoutMs,
    idle_in_transaction_session_timeout: limits.statementTimeoutMs * 2,
    // Client-side too: a network that drops packets never answers, so the server's timeout never fires.
    query_timeout: limits.statementTimeoutMs + 5_000,
    connectionTimeoutMillis: limits.connectTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}

/**
 * A small pool for pushes and pulls. Errors of idle connections (server restarts, network loss) are
 * logged instead of crashing the process; the next cycle simply connects again.
 */
export function createPool(config: PgTarget, limits: ConnectionLimits, logger: Logger): pg.Pool {
  const pool = new pg.Pool({ ...pgClientConfig(config, limits), max: limits.poolMax, idleTimeoutMillis: 30_000 });
  const onError = (error: Error) => logger.warn('sync connection lost', { error: describeFailure(error, config.secrets) });
  pool.on('error', onError);
  pool.on('connect', (client) => client.on('error', onError));
  return pool;
}
