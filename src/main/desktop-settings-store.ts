import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../gateway/errors.ts';
import type { SecretBox } from './electron-facade.ts';

export const DESKTOP_SETTINGS_FILE = 'desktop-settings.json';

/** What the desktop app remembers between runs. Secrets are stored encrypted by the OS, never as text. */
export interface DesktopSettings {
  port: number | null;
  pgUrl: string | null;
  apiKey: string | null;
}

interface StoredFile {
  version: 1;
  port?: number;
  /** base64 of safeStorage.encryptString(...) */
  pgUrl?: string;
  apiKey?: string;
}

/** desktop-settings.json in the data folder, with the Postgres URL and API key sealed by safeStorage. */
export class DesktopSettingsStore {
  readonly path: string;
  private readonly secrets: SecretBox;

  constructor(dataDir: string, secrets: SecretBox) {
    this.path = join(dataDir, DESKTOP_SETTINGS_FILE);
    this.secrets = secrets;
  }

  get secureStorage(): boolean {
    return this.secrets.isEncryptionAvailable();
  }

  load(): DesktopSettings {
    const file = this.readFile();
    return {
      port: typeof file.port === 'number' ? file.port : null,
      pgUrl: this.open(file.pgUrl),
      apiKey: this.open(file.apiKey),
    };
  }

  /** Applies a patch: `undefined` keeps a value, `null` clears it. */
  save(patch: { port?: number | null | undefined; pgUrl?: string | null | undefined; apiKey?: string | null | undefined }): DesktopSettings {
    const file = this.readFile();
    if (patch.port !== undefined) {
      if (patch.port === null) delete file.port;
      else file.port = patch.port;
    }
    for (const key of ['pgUrl', 'apiKey'] as const) {
      const value = patch[key];
      if (value === undefined) continue;
      if (value === null) delete file[key];
      else file[key] = this.seal(value);
    }
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, this.path);
    return this.load();
  }

  private seal(text: string): string {
    if (!this.secrets.isEncryptionAvailable()) {
      throw new UserError(
        'SECURE_STORAGE_UNAVAILABLE',
        'This system offers no encrypted storage for secrets, so the Postgres URL and API key were not saved.',
        'On Linux, install and unlock a keyring (GNOME Keyring or KWallet); or set DEMENTIA_PG_URL and DEMENTIA_API_KEY in the environment.',
      );
    }
    return this.secrets.encryptString(text).toString('base64');
  }

  private open(sealed: string | undefined): string | null {
    if (!sealed) return null;
    try {
      return this.secrets.decryptString(Buffer.from(sealed, 'base64'));
    } catch {
      // Sealed on another machine or by another OS user: unusable, as if unset.
      return null;
    }
  }

  private readFile(): StoredFile {
    try {
      const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as StoredFile;
      return typeof parsed === 'object' && parsed !== null ? { ...parsed, version: 1 } : { version: 1 };
    } catch {
      return { version: 1 };
    }
  }
}
