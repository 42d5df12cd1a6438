import type { Settings } from '../../settings.ts';
import { HttpError } from '../http-utils.ts';

/** The settings as the status window shows them. Secrets never leave the host: only whether they are set. */
export interface SettingsView {
  /** False when the gateway runs headless: settings then come from flags and DEMENTIA_* variables. */
  editable: boolean;
  note: string | null;
  /** The port the gateway is configured to use (takes effect at the next start). */
  port: number;
  /** The port the gateway listens on now. */
  runningPort: number;
  dataDir: string;
  idleMinutes: number;
  /** null where start at login is not available (headless). */
  startAtLogin: boolean | null;
  /** The hosted Postgres server, without user name and password; null when not set. */
  pgServer: string | null;
  apiKeySet: boolean;
  /** Whether secrets can be stored encrypted (Electron safeStorage). */
  secureStorage: boolean;
  /** Saved changes that apply only after a restart. */
  restartRequired: boolean;
}

export interface SettingsPatch {
  port?: number | undefined;
  startAtLogin?: boolean | undefined;
  /** A new Postgres URL; null clears it. */
  pgUrl?: string | null | undefined;
  /** A new API key; null clears it. */
  apiKey?: string | null | undefined;
}

/** Who owns the settings: the desktop shell (stored with safeStorage) or nobody (headless). */
export interface SettingsHost {
  read(): SettingsView;
  save(patch: SettingsPatch): Promise<SettingsView>;
  /** Restarts the app so saved settings apply; absent when the host cannot. */
  restart?(): void;
}

/** The host server address of a Postgres URL, for display: never the user name or password. */
export function pgServerOf(url: string | undefined | null): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname.length > 1 ? parsed.pathname : ''}`;
  } catch {
    return '(invalid URL)';
  }
}

/** `dementia serve`: the settings are read-only here; they come from flags and environment variables. */
export function headlessSettingsHost(settings: Settings, runningPort: () => number): SettingsHost {
  const view = (): SettingsView => ({
    editable: false,
    note:
      'Read-only here: the gateway runs headless (dementia serve), so its settings come from --port, --data-dir, --idle-minutes ' +
      'and the DEMENTIA_* environment variables. Change them there and restart it.',
    port: settings.port,
    runningPort: runningPort(),
    dataDir: settings.dataDir,
    idleMinutes: settings.idleMinutes,
    startAtLogin: null,
    pgServer: pgServerOf(settings.pgUrl),
    apiKeySet: Boolean(settings.apiKey),
    secureStorage: false,
    restartRequired: false,
  });
  return {
    read: view,
    save: () => Promise.reject(new HttpError(409, view().note!)),
  };
}
