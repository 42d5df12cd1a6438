import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { UserError } from '../errors.ts';

/** Where a Postgres server is and how to reach it safely: the URL, its TLS mode, and masking its secrets. */

export type SslMode = 'disable' | 'require' | 'verify-ca' | 'verify-full';

/** A validated Postgres server: where it is and how to reach it safely. */
export interface PgTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string | undefined;
  sslMode: SslMode;
  /** PEM text of the CA that signs the server certificate; undefined means the system CAs. */
  ca: string | undefined;
  /** The connection string with its password masked, for messages. */
  displayUrl: string;
  /** Secrets that must never appear in a message or log line. */
  secrets: string[];
}

const URL_HELP = 'Use a URL like postgres://USER:PASSWORD@HOST:5432/DATABASE?sslmode=verify-full';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** The URL with any password replaced by ***, safe to show. Anything but a Postgres URL is not shown at all. */
export function maskUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return `(a ${url.protocol.slice(0, 20)} URL)`;
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unreadable connection string)';
  }
}

/** Replaces every secret (password, API key) in a message; a second line of defence for error texts. */
export function scrubSecrets(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out.replace(/(postgres(?:ql)?:\/\/[^:/?#\s]*:)[^@\s]*@/gi, '$1***@');
}

function parseSslMode(value: string | null, host: string, source: string): SslMode {
  // libpq's default (prefer) silently falls back to plain text; here the default is safe instead:
  // verified TLS for remote hosts, none for this machine.
  if (value === null || value === '') return LOOPBACK.has(host) ? 'disable' : 'verify-full';
  if (value === 'prefer' || value === 'allow') return LOOPBACK.has(host) ? 'disable' : 'require';
  if (value === 'disable' || value === 'require' || value === 'verify-ca' || value === 'verify-full') return value;
  throw new UserError(
    'INVALID_SETTING',
    `sslmode=${value} in ${source} is not a TLS mode.`,
    'Use sslmode=disable, require, verify-ca or verify-full (verify-full is the safe choice for a hosted server).',
  );
}

function readCa(file: string, source: string, dataDir: string): string {
  const path = isAbsolute(file) ? file : resolve(dataDir, file);
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new UserError(
      'INVALID_SETTING',
      `The CA certificate file ${path} (${source}) cannot be read.`,
      'Point it at a readable PEM file, or remove the setting to use the system CAs.',
    );
  }
}

/**
 * A Postgres URL, validated: a malformed one is a UserError that names `source` and never shows the
 * password. `caFile` (relative to `baseDir`) applies unless the URL names `sslrootcert`.
 */
export function parsePgTarget(pgUrl: string, source: string, caFile: string | undefined, baseDir: string): PgTarget {
  let url: URL;
  try {
    url = new URL(pgUrl);
  } catch {
    throw new UserError('INVALID_SETTING', `${source} is not a valid URL.`, URL_HELP);
  }
  const displayUrl = maskUrl(pgUrl);
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new UserError('INVALID_SETTING', `${source} is a ${url.protocol.slice(0, 20)} URL, not a Postgres URL.`, URL_HELP);
  }
  const host = decodeURIComponent(url.hostname);
  if (host === '') throw new UserError('INVALID_SETTING', `${source} (${displayUrl}) names no host.`, URL_HELP);
  const port = url.port === '' ? 5432 : Number(url.port);
  const user = decodeURIComponent(url.username);
  if (user === '') throw new UserError('INVALID_SETTING', `${source} (${displayUrl}) names no user.`, URL_HELP);
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || user;
  const password = url.password === '' ? undefined : decodeURIComponent(url.password);
  const sslMode = parseSslMode(url.searchParams.get('sslmode'), host, source);
  const rootCert = url.searchParams.get('sslrootcert') ?? caFile;
  const ca = rootCert ? readCa(rootCert, url.searchParams.has('sslrootcert') ? `sslrootcert in ${source}` : 'pgCaFile', baseDir) : undefined;
  return {
    host,
    port,
    database,
    user,
    password,
    sslMode,
    ca,
    displayUrl,
    secrets: password ? [password, url.password] : [],
  };
}

/** node-postgres TLS options for an sslmode, as libpq interprets it. */
export function tlsOptions(config: PgTarget): false | ConnectionOptions {
  switch (config.sslMode) {
    case 'disable':
      return false;
    case 'require':
      // libpq: require with a root certificate verifies the chain like verify-ca.
      return config.ca ? { ca: config.ca, checkServerIdentity: () => undefined } : { rejectUnauthorized: false };
    case 'verify-ca':
      return { ...(config.ca ? { ca: config.ca } : {}), checkServerIdentity: () => undefined };
    case 'verify-full':
      // node-postgres sets the server name for host verification itself.
      return config.ca ? { ca: config.ca } : {};
  }
}
