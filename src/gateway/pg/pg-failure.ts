import { scrubSecrets } from './pg-target.ts';

/** offline: the server is unreachable or too slow (retry soon); error: it answered no (needs a fix). */
export type FailureKind = 'offline' | 'error';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

/** Postgres SQLSTATEs that mean "not now" rather than "not like this". */
function isTransientSqlState(code: string): boolean {
  return (
    code.startsWith('08') || // connection exception
    code === '57P01' || // admin shutdown
    code === '57P02' || // crash shutdown
    code === '57P03' || // cannot connect now (starting up)
    code === '57014' || // statement timeout / cancelled
    code === '53300' || // too many connections
    code === '40001' || // serialization failure
    code === '40P01' // deadlock
  );
}

export function classifyFailure(error: unknown): FailureKind {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || isTransientSqlState(code))) return 'offline';
  const message = error instanceof Error ? error.message : String(error);
  if (/timeout|terminated|Connection ended|not queryable|socket|closed the connection/i.test(message)) return 'offline';
  return 'error';
}

/** One line for the status views, with every secret masked. */
export function describeFailure(error: unknown, secrets: readonly string[]): string {
  const code = (error as { code?: unknown } | null)?.code;
  let message = error instanceof Error ? error.message : String(error);
  if (error instanceof AggregateError && error.errors.length > 0) message = error.errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ');
  if (message === '') message = 'unknown error';
  const text = typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
  return scrubSecrets(text, secrets).slice(0, 500);
}
