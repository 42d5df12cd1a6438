import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import { apiKeyProblem } from '../api-key-rule.ts';
import { parsePgTarget, type PgTarget } from '../pg/pg-target.ts';
import { tenantSchema } from '../pg/remote-schema.ts';
import { sha256Hex } from '../secrets.ts';
import type { Settings } from '../settings.ts';

/** Optional file in the data folder for headless machines (the desktop app keeps these in the keychain). */
export const SYNC_CONFIG_FILE = 'config.json';

/** A validated sync target: the server and the tenant schema of the API key. */
export interface SyncConfig extends PgTarget {
  /** `dementia_<first 16 hex chars of sha256(api key)>`: the only schema this app touches. */
  schema: string;
}

interface ConfigFile {
  pgUrl?: unknown;
  apiKey?: unknown;
  pgCaFile?: unknown;
}

function readConfigFile(dataDir: string): ConfigFile {
  const path = join(dataDir, SYNC_CONFIG_FILE);
  if (!existsSync(path)) return {};
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as ConfigFile;
  } catch {
    throw new UserError(
      'INVALID_SETTING',
      `${path} is not a JSON object.`,
      'Fix it so it reads like {"pgUrl": "postgres://...", "apiKey": "..."} or delete it.',
    );
  }
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') {
    throw new UserError('INVALID_SETTING', `${name} in ${SYNC_CONFIG_FILE} must be a string.`, `Put the value in quotes in ${SYNC_CONFIG_FILE}.`);
  }
  return value;
}

function validateApiKey(apiKey: string, source: string): void {
  // Keys are opaque to this app; these checks catch paste accidents (quotes, spaces, a cut-off key).
  if (apiKeyProblem(apiKey) !== undefined) {
    throw new UserError(
      'INVALID_SETTING',
      `${source} is not a valid API key (it must be 16 to 512 printable characters without spaces or quotes; got ${apiKey.length} characters).`,
      `Copy the API key again from your account page and set ${source} to exactly that text.`,
    );
  }
}

/**
 * The sync target from settings (environment) and `config.json`, validated; undefined when sync is
 * not configured, which is a normal state. Half a configuration or a malformed value is a UserError
 * that names the setting and never shows a secret.
 */
export function resolveSyncConfig(settings: Settings): SyncConfig | undefined {
  const file = readConfigFile(settings.dataDir);
  const urlSource = settings.pgUrl ? 'DEMENTIA_PG_URL' : `pgUrl in ${SYNC_CONFIG_FILE}`;
  const keySource = settings.apiKey ? 'DEMENTIA_API_KEY' : `apiKey in ${SYNC_CONFIG_FILE}`;
  const pgUrl = settings.pgUrl ?? optionalString(file.pgUrl, 'pgUrl');
  const apiKey = settings.apiKey ?? optionalString(file.apiKey, 'apiKey');
  const caFile = settings.pgCaFile ?? optionalString(file.pgCaFile, 'pgCaFile');
  if (pgUrl === undefined && apiKey === undefined) return undefined;
  if (pgUrl === undefined) {
    throw new UserError(
      'INVALID_SETTING',
      `${keySource} is set but no Postgres URL is.`,
      `Set DEMENTIA_PG_URL (or pgUrl in ${SYNC_CONFIG_FILE}) too, or remove the API key to run without sync.`,
    );
  }
  if (apiKey === undefined) {
    throw new UserError(
      'INVALID_SETTING',
      `${urlSource} is set but no API key is.`,
      `Set DEMENTIA_API_KEY (or apiKey in ${SYNC_CONFIG_FILE}) too, or remove the URL to run without sync.`,
    );
  }
  validateApiKey(apiKey, keySource);
  const target = parsePgTarget(pgUrl, urlSource, caFile, settings.dataDir);
  return { ...target, schema: tenantSchema(apiKey), secrets: [apiKey, ...target.secrets] };
}

/** Identifies the server and tenant a cursor belongs to (no secrets in it). */
export function targetId(config: SyncConfig): string {
  return sha256Hex(`${config.host}:${config.port}/${config.database}#${config.schema}`).slice(0, 32);
}
