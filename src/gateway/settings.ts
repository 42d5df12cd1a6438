import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from './errors.ts';

/** Everything the gateway needs to know at start-up. One source of truth for CLI, tray and tests. */
export interface Settings {
  /** Always loopback: the gateway is local only (invariant 8, docs/design.md). */
  readonly host: '127.0.0.1';
  /** 0 asks the OS for a free port (tests). */
  readonly port: number;
  readonly dataDir: string;
  /** Minutes without a call after which a work session becomes a handover. */
  readonly idleMinutes: number;
  readonly pgUrl: string | undefined;
  readonly apiKey: string | undefined;
  /** CA certificate file for the Postgres TLS connection (also `sslrootcert` in the URL or `pgCaFile` in config.json). */
  readonly pgCaFile?: string | undefined;
}

export const DEFAULT_PORT = 47821;
export const DEFAULT_IDLE_MINUTES = 120;
export const APP_FOLDER_NAME = 'Dementia Companion';

/** The platform's app-data folder; the same one Electron's `app.getPath('userData')` returns. */
export function defaultDataDir(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', APP_FOLDER_NAME);
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_FOLDER_NAME);
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), APP_FOLDER_NAME);
}

/** Command-line flags that map onto settings; each also has an environment variable. */
export interface SettingFlags {
  port?: string | undefined;
  dataDir?: string | undefined;
  idleMinutes?: string | undefined;
}

/** Flags win over environment variables, which win over defaults. */
export function resolveSettings(flags: SettingFlags = {}, env: NodeJS.ProcessEnv = process.env): Settings {
  const portText = flags.port ?? env.DEMENTIA_PORT;
  const idleText = flags.idleMinutes ?? env.DEMENTIA_IDLE_MINUTES;
  const dataDirText = flags.dataDir ?? env.DEMENTIA_DATA_DIR;
  return {
    host: '127.0.0.1',
    port: portText === undefined || portText === '' ? DEFAULT_PORT : parsePort(portText),
    dataDir: dataDirText ? resolve(dataDirText) : defaultDataDir(process.platform, env),
    idleMinutes: idleText === undefined || idleText === '' ? DEFAULT_IDLE_MINUTES : parseIdleMinutes(idleText),
    pgUrl: env.DEMENTIA_PG_URL || undefined,
    apiKey: env.DEMENTIA_API_KEY || undefined,
    pgCaFile: env.DEMENTIA_PG_CA_FILE || undefined,
  };
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UserError('INVALID_SETTING', `The port "${text}" is not a TCP port number.`, 'Set --port or DEMENTIA_PORT to a whole number from 1 to 65535.');
  }
  return port;
}

function parseIdleMinutes(text: string): number {
  const minutes = Number(text);
  if (text.trim() === '' || !Number.isFinite(minutes) || minutes <= 0) {
    throw new UserError(
      'INVALID_SETTING',
      `The idle time "${text}" is not a positive number of minutes.`,
      'Set --idle-minutes or DEMENTIA_IDLE_MINUTES to a number above 0 (fractions allowed, e.g. 0.5).',
    );
  }
  return minutes;
}
