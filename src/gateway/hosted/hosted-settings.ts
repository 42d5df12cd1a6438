import { UserError } from '../errors.ts';
import { parseLogFormat, type LogFormat } from '../logger.ts';
import { resolveSettings, type SettingFlags } from '../settings.ts';
import { parsePgTarget, type PgTarget } from '../pg/pg-target.ts';

/** How `dementia serve --hosted` (and the hosted admin commands) reach Postgres and the world. */
export interface HostedSettings {
  /** The address to listen on: 127.0.0.1 behind a proxy on the same machine, 0.0.0.0 in a container. */
  readonly host: string;
  readonly port: number;
  /**
   * The public origin clients use (the HTTPS proxy's); the MCP endpoint is `<publicUrl>/mcp`.
   * Unset: `http://<host>:<port>` of the listening socket (a local trial).
   */
  readonly publicUrl: URL | undefined;
  readonly pg: PgTarget;
  /** Postgres connections one process holds at most, however many tenants it serves. */
  readonly maxConnections: number;
  readonly idleMinutes: number;
  /** Reverse proxies in front whose X-Forwarded-For is believed (sign-in rate limits per address); 0: none. */
  readonly trustedProxies: number;
  /** DEMENTIA_METRICS_TOKEN: GET /metrics answers only with it as bearer token; unset, /metrics is off (404). */
  readonly metricsToken: string | undefined;
  /**
   * DEMENTIA_DRAIN_SECONDS: on SIGTERM, answer /readyz with 503 and keep serving until the load
   * balancer's next readiness check (at most this long) before stopping; 0 stops at once.
   */
  readonly drainSeconds: number;
  /** DEMENTIA_LOG_FORMAT: `text` (default) or `json` (one JSON object a line, for log shippers). */
  readonly logFormat: LogFormat;
}

export const DEFAULT_MAX_CONNECTIONS = 10;

const PG_HELP = 'Set DEMENTIA_PG_URL to the Postgres that holds the tenants, e.g. postgres://USER:PASSWORD@HOST:5432/DATABASE?sslmode=verify-full.';

/** Hosted settings from flags and the environment; a missing or malformed one is a UserError naming it. */
export function resolveHostedSettings(flags: SettingFlags = {}, env: NodeJS.ProcessEnv = process.env): HostedSettings {
  const base = resolveSettings(flags, env);
  if (!env.DEMENTIA_PG_URL) throw new UserError('INVALID_SETTING', 'Hosted mode needs DEMENTIA_PG_URL: Postgres is its only store.', PG_HELP);
  const pg = parsePgTarget(env.DEMENTIA_PG_URL, 'DEMENTIA_PG_URL', env.DEMENTIA_PG_CA_FILE || undefined, process.cwd());
  const host = env.DEMENTIA_HOST || '127.0.0.1';
  const publicUrl = parsePublicUrl(env.DEMENTIA_PUBLIC_URL);
  return {
    host,
    port: base.port,
    publicUrl,
    pg,
    maxConnections: parseMaxConnections(env.DEMENTIA_PG_MAX_CONNECTIONS),
    idleMinutes: base.idleMinutes,
    trustedProxies: parseTrustedProxies(env.DEMENTIA_TRUST_PROXY),
    metricsToken: parseMetricsToken(env.DEMENTIA_METRICS_TOKEN),
    logFormat: parseLogFormat(env.DEMENTIA_LOG_FORMAT),
    drainSeconds: parseDrainSeconds(env.DEMENTIA_DRAIN_SECONDS),
  };
}

function parseDrainSeconds(text: string | undefined): number {
  if (text === undefined || text.trim() === '') return 0;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value > 300) {
    throw new UserError(
      'INVALID_SETTING',
      `DEMENTIA_DRAIN_SECONDS "${text}" is not a whole number from 0 to 300.`,
      "Set it a little above your load balancer's health check interval (Caddy: health_interval), or 0.",
    );
  }
  return value;
}

/** A metrics token is a password on a public server: long enough that guessing it is hopeless. */
const MIN_METRICS_TOKEN = 24;

function parseMetricsToken(text: string | undefined): string | undefined {
  const token = (text ?? '').trim();
  if (token === '') return undefined;
  if (token.length < MIN_METRICS_TOKEN || /\s/.test(token)) {
    throw new UserError(
      'INVALID_SETTING',
      `DEMENTIA_METRICS_TOKEN is shorter than ${MIN_METRICS_TOKEN} characters or contains spaces.`,
      'Generate one with: openssl rand -hex 32 (and give Prometheus the same value as its bearer token).',
    );
  }
  return token;
}

/** DEMENTIA_TRUST_PROXY: unset, 0 or false (X-Forwarded-For ignored), true (one proxy), or how many. */
export function parseTrustedProxies(text: string | undefined): number {
  const value = (text ?? '').trim().toLowerCase();
  if (value === '' || value === 'false' || value === '0') return 0;
  if (value === 'true') return 1;
  if (/^\d+$/.test(value) && Number(value) <= 10) return Number(value);
  throw new UserError(
    'INVALID_SETTING',
    `DEMENTIA_TRUST_PROXY "${text}" is not true, false or a number of proxies from 0 to 10.`,
    'Set it to 1 (true) when one reverse proxy (nginx, Caddy, a load balancer) adds X-Forwarded-For; leave it unset when clients reach the server directly.',
  );
}

function parsePublicUrl(text: string | undefined): URL | undefined {
  if (!text) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UserError(
      'INVALID_SETTING',
      `DEMENTIA_PUBLIC_URL "${text}" is not a URL.`,
      'Set it to the HTTPS address of your proxy, e.g. https://memory.example.com.',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UserError(
      'INVALID_SETTING',
      `DEMENTIA_PUBLIC_URL "${text}" is not an http(s) URL.`,
      'Set it to the HTTPS address of your proxy, e.g. https://memory.example.com.',
    );
  }
  if (url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw new UserError(
      'INVALID_SETTING',
      `DEMENTIA_PUBLIC_URL "${text}" has a path, query or fragment.`,
      'Use the origin only, e.g. https://memory.example.com (the MCP endpoint is /mcp under it).',
    );
  }
  return new URL(url.origin);
}

function parseMaxConnections(text: string | undefined): number {
  if (text === undefined || text === '') return DEFAULT_MAX_CONNECTIONS;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < 2 || value > 1000) {
    throw new UserError(
      'INVALID_SETTING',
      `DEMENTIA_PG_MAX_CONNECTIONS "${text}" is not a whole number from 2 to 1000.`,
      `Leave it unset for ${DEFAULT_MAX_CONNECTIONS}, or set a number your Postgres allows.`,
    );
  }
  return value;
}
