import { fileURLToPath } from 'node:url';
import type { Clock } from '../gateway/clock.ts';
import { errorMessage, isUserError } from '../gateway/errors.ts';
import { Gateway } from '../gateway/gateway.ts';
import type { AdminHost } from '../gateway/http/admin-api.ts';
import { createLogger, type Logger } from '../gateway/logger.ts';
import type { Settings } from '../gateway/settings.ts';
import { DesktopSettingsHost } from './desktop-settings-host.ts';
import { DesktopSettingsStore } from './desktop-settings-store.ts';
import type { ElectronFacade, TrayHandle } from './electron-facade.ts';
import { desktopGatewaySettings } from './gateway-settings.ts';
import { HIDDEN_FLAG, startAtLoginFor, type StartAtLogin } from './start-at-login.ts';
import { StatusWindow } from './status-window.ts';
import { trayIconPath } from './tray-icons.ts';
import { buildTrayMenu, trayTooltip, type TrayAction, type TrayMenuItem } from './tray-menu.ts';
import { trayStateFrom } from './tray-state.ts';

export interface DesktopAppOptions {
  electron: ElectronFacade;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  logger?: Logger;
  /** Claim the data folder (its lock and gateway.json); off in tests that run several gateways on one folder. */
  writeRuntimeFile?: boolean;
  /** The compiled preload; electron-entry passes the one beside it in dist/. */
  preloadPath?: string;
  /** How often the tray's "idle N min" labels are refreshed without other changes. */
  tickMs?: number;
}

/** The gateway's sync engine, when it has one (Postgres configured). */
const syncOf = (host: AdminHost) => host.sync;

/**
 * The desktop shell: single instance, the gateway in this process, a tray menu rebuilt on every
 * change, the status window, settings and start at login. Electron is reached only through the
 * facade, so all of this runs under plain Node in tests.
 */
export class DesktopApp {
  readonly electron: ElectronFacade;
  private readonly options: DesktopAppOptions;
  private readonly env: NodeJS.ProcessEnv;
  private readonly logger: Logger;
  private gatewayInstance: Gateway | undefined;
  private tray: TrayHandle | undefined;
  private statusWindow: StatusWindow | undefined;
  private startAtLogin: StartAtLogin | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private quitting = false;
  private stopped: Promise<void> | undefined;
  private lastMenu: TrayMenuItem[] = [];
  private readonly onChange = () => this.refresh();

  constructor(options: DesktopAppOptions) {
    this.options = options;
    this.electron = options.electron;
    this.env = options.env ?? process.env;
    this.logger = options.logger ?? createLogger();
  }

  get gateway(): Gateway {
    if (!this.gatewayInstance) throw new Error('the desktop app has not started');
    return this.gatewayInstance;
  }

  /** The menu currently in the tray (as data). */
  get menu(): readonly TrayMenuItem[] {
    return this.lastMenu;
  }

  get isQuitting(): boolean {
    return this.quitting;
  }

  /** Starts the app; false when another instance runs (it gets focus instead) or the gateway cannot start. */
  async start(): Promise<boolean> {
    const { electron } = this;
    if (!electron.requestSingleInstanceLock()) {
      electron.quit();
      return false;
    }
    electron.onSecondInstance(() => void this.openStatus());
    // Without a listener Electron quits when the window closes; the tray app stays.
    electron.onWindowAllClosed(() => {});
    electron.onBeforeQuit((event) => {
      if (this.stopped === undefined) {
        event.preventDefault();
        void this.quit();
      }
    });
    await electron.whenReady();
    if (electron.platform === 'darwin') electron.hideDock();

    let store: DesktopSettingsStore | undefined;
    let settings = desktopGatewaySettings(this.env, (dataDir) => (store = new DesktopSettingsStore(dataDir, electron.secrets)).load());
    try {
      this.gatewayInstance = await this.startGateway(settings);
    } catch (error) {
      // Saved sync settings the engine refuses must not lock the user out of the window that fixes them.
      const withoutSaved = desktopGatewaySettings(this.env, () => ({ port: store!.load().port, pgUrl: null, apiKey: null }));
      const savedSync = isUserError(error) && (withoutSaved.pgUrl !== settings.pgUrl || withoutSaved.apiKey !== settings.apiKey);
      if (savedSync) {
        electron.showError('Sync is off', `The saved sync settings were not used: ${error.describe()} Change them in Settings.`);
        settings = withoutSaved;
      }
      try {
        if (!savedSync) throw error;
        this.gatewayInstance = await this.startGateway(settings);
      } catch (final) {
        electron.showError('Dementia Companion could not start', isUserError(final) ? final.describe() : errorMessage(final));
        this.stopped = Promise.resolve();
        electron.quit();
        return false;
      }
    }
    const gateway = this.gatewayInstance;
    this.startAtLogin = startAtLoginFor(electron, this.env);
    gateway.admin.attachDesktop(
      new DesktopSettingsHost({
        store: store!,
        startAtLogin: this.startAtLogin,
        running: settings,
        runningPort: () => gateway.port,
        restart: () => void this.restart(),
        onChange: () => this.refresh(),
      }),
    );
    this.statusWindow = new StatusWindow(
      electron,
      gateway,
      this.options.preloadPath ?? fileURLToPath(new URL('./preload.cjs', import.meta.url)),
      () => this.quitting,
    );
    this.tray = electron.createTray(trayIconPath(electron.platform, electron.resourcesDir), 'Dementia Companion');
    gateway.events.on('change', this.onChange);
    this.refresh();
    this.ticker = setInterval(() => this.refresh(), this.options.tickMs ?? 30_000);
    this.ticker.unref();
    this.logger.info('desktop app started', { mcpUrl: gateway.mcpUrl });
    // First run: nothing is connected yet, so show how to connect (not when started at login).
    if (gateway.services.clients.list().length === 0 && !electron.argv.includes(HIDDEN_FLAG)) await this.openStatus('connect');
    return true;
  }

  private startGateway(settings: Settings): Promise<Gateway> {
    return Gateway.start({ settings, clock: this.options.clock, logger: this.logger, writeRuntimeFile: this.options.writeRuntimeFile });
  }

  /** Rebuilds the tray menu from the gateway's current status. */
  refresh(): void {
    if (!this.tray || !this.gatewayInstance || this.quitting) return;
    const state = trayStateFrom(this.gatewayInstance.admin.status(), { startAtLogin: this.startAtLogin?.isEnabled() ?? false });
    this.lastMenu = buildTrayMenu(state);
    this.tray.setMenu(this.lastMenu, (action) => this.dispatch(action));
    this.tray.setToolTip(trayTooltip(state));
  }

  /** Runs what a tray item does. Errors become a dialog: a click has nobody else to tell. */
  async dispatch(action: TrayAction): Promise<void> {
    const gateway = this.gateway;
    try {
      switch (action.type) {
        case 'copy-address':
          this.electron.writeClipboard(gateway.mcpUrl);
          return;
        case 'set-project':
          await gateway.admin.control.setProject(action.clientId, action.project);
          return;
        case 'end-session': {
          // A click in a menu has no page to show the result on: a notification says what was written.
          const { message } = await gateway.admin.control.endSessions(action.clientId);
          this.electron.notify('Session ended', message);
          return;
        }
        case 'open-status':
          await this.openStatus(action.view);
          return;
        case 'connect-client':
          await this.openStatus('connect');
          return;
        case 'sync-now':
          await this.syncAction('now');
          return;
        case 'toggle-sync-pause':
          await this.syncAction(gateway.admin.status().sync.paused ? 'resume' : 'pause');
          return;
        case 'toggle-start-at-login':
          this.startAtLogin!.setEnabled(!this.startAtLogin!.isEnabled());
          this.refresh();
          return;
        case 'quit':
          await this.quit();
          return;
      }
    } catch (error) {
      this.electron.showError('Dementia Companion', isUserError(error) ? error.describe() : errorMessage(error));
    }
  }

  async openStatus(view?: string): Promise<void> {
    await this.statusWindow?.open(view);
  }

  /** Stops the gateway cleanly, then lets Electron quit. Safe to call more than once. */
  quit(): Promise<void> {
    if (this.stopped) return this.stopped;
    this.quitting = true;
    this.stopped = (async () => {
      if (this.ticker) clearInterval(this.ticker);
      this.gatewayInstance?.events.off('change', this.onChange);
      this.statusWindow?.destroy();
      this.tray?.destroy();
      this.tray = undefined;
      try {
        await this.gatewayInstance?.stop();
      } catch (error) {
        this.logger.error('gateway stop failed', { error: errorMessage(error) });
      }
      this.electron.quit();
    })();
    return this.stopped;
  }

  private async restart(): Promise<void> {
    this.electron.relaunch();
    await this.quit();
  }

  private async syncAction(action: 'now' | 'pause' | 'resume'): Promise<void> {
    const sync = syncOf(this.gateway);
    if (!sync) return;
    if (action === 'now') await sync.syncNow();
    else if (action === 'pause') await sync.pause();
    else await sync.resume();
    this.gateway.events.emit('change', `sync:${action}`);
  }
}
