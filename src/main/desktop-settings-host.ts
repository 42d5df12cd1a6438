import { pgServerOf, type SettingsHost, type SettingsPatch, type SettingsView } from '../gateway/http/admin/settings-host.ts';
import { DEFAULT_PORT, type Settings } from '../gateway/settings.ts';
import { resolveSyncConfig } from '../gateway/sync/sync-config.ts';
import type { DesktopSettingsStore } from './desktop-settings-store.ts';
import type { StartAtLogin } from './start-at-login.ts';

/**
 * The settings of the desktop app as the status window edits them: port and sync secrets go to
 * the sealed settings file and apply at the next start; start at login applies at once.
 */
export class DesktopSettingsHost implements SettingsHost {
  private readonly store: DesktopSettingsStore;
  private readonly startAtLogin: StartAtLogin;
  private readonly running: Settings;
  private readonly runningPort: () => number;
  private readonly onRestart: () => void;
  private readonly onChange: () => void;

  constructor(deps: {
    store: DesktopSettingsStore;
    startAtLogin: StartAtLogin;
    /** The settings the gateway was started with. */
    running: Settings;
    runningPort: () => number;
    restart: () => void;
    /** The tray shows start at login: rebuild it. */
    onChange: () => void;
  }) {
    this.store = deps.store;
    this.startAtLogin = deps.startAtLogin;
    this.running = deps.running;
    this.runningPort = deps.runningPort;
    this.onRestart = deps.restart;
    this.onChange = deps.onChange;
  }

  read(): SettingsView {
    const stored = this.store.load();
    const port = stored.port ?? DEFAULT_PORT;
    const pgUrl = stored.pgUrl ?? this.running.pgUrl ?? null;
    const apiKey = stored.apiKey ?? this.running.apiKey ?? null;
    return {
      editable: true,
      note: null,
      port,
      runningPort: this.runningPort(),
      dataDir: this.running.dataDir,
      idleMinutes: this.running.idleMinutes,
      startAtLogin: this.startAtLogin.isEnabled(),
      pgServer: pgServerOf(pgUrl),
      apiKeySet: apiKey !== null,
      secureStorage: this.store.secureStorage,
      restartRequired:
        (this.running.port !== 0 && port !== this.running.port) || pgUrl !== (this.running.pgUrl ?? null) || apiKey !== (this.running.apiKey ?? null),
    };
  }

  async save(patch: SettingsPatch): Promise<SettingsView> {
    if (patch.startAtLogin !== undefined) this.startAtLogin.setEnabled(patch.startAtLogin);
    if (patch.pgUrl !== undefined || patch.apiKey !== undefined) {
      // Refuse what the sync engine would refuse at the next start, while the user is still here.
      const stored = this.store.load();
      resolveSyncConfig({
        ...this.running,
        pgUrl: (patch.pgUrl === undefined ? stored.pgUrl : patch.pgUrl) ?? undefined,
        apiKey: (patch.apiKey === undefined ? stored.apiKey : patch.apiKey) ?? undefined,
      });
    }
    if (patch.port !== undefined || patch.pgUrl !== undefined || patch.apiKey !== undefined) {
      this.store.save({ port: patch.port, pgUrl: patch.pgUrl, apiKey: patch.apiKey });
    }
    this.onChange();
    return this.read();
  }

  restart(): void {
    this.onRestart();
  }
}
