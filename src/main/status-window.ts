import type { ElectronFacade, WindowHandle, WindowSpec } from './electron-facade.ts';

/** What the window needs from the gateway: where it is and a way to sign the window in. */
export interface WindowGateway {
  readonly baseUrl: string;
  readonly admin: { issueCode(): string };
}

/**
 * The status window: the gateway's status page in a locked-down BrowserWindow. It signs in with
 * a one-time code (like `dementia status`), never with a client token. Closing it only hides it:
 * the app lives in the tray.
 */
export class StatusWindow {
  private readonly electron: ElectronFacade;
  private readonly gateway: WindowGateway;
  private readonly preloadPath: string;
  private readonly isQuitting: () => boolean;
  private window: WindowHandle | undefined;

  constructor(electron: ElectronFacade, gateway: WindowGateway, preloadPath: string, isQuitting: () => boolean) {
    this.electron = electron;
    this.gateway = gateway;
    this.preloadPath = preloadPath;
    this.isQuitting = isQuitting;
  }

  get isOpen(): boolean {
    return this.window !== undefined && !this.window.isDestroyed() && this.window.isVisible();
  }

  /** Shows the window (creating it if needed) on a view of the page, e.g. "connect". */
  async open(view?: string): Promise<void> {
    const hash = view ? `#${view}` : '';
    if (!this.window || this.window.isDestroyed()) {
      const window = this.electron.createWindow(this.spec());
      this.window = window;
      window.onClose((event) => {
        if (this.isQuitting()) return;
        event.preventDefault();
        window.hide();
      });
      window.onClosed(() => {
        if (this.window === window) this.window = undefined;
      });
      await window.loadURL(this.signInUrl(hash));
    } else if (!this.window.isVisible()) {
      // Closed to the tray for a while: its browser session may have ended meanwhile (they last
      // 12 idle hours, 7 days at most), so it comes back signed in afresh.
      await this.window.loadURL(this.signInUrl(hash));
    } else if (view) {
      await this.window.loadURL(`${this.gateway.baseUrl}/${hash}`);
    }
    this.window.show();
    this.window.focus();
  }

  private signInUrl(hash: string): string {
    return `${this.gateway.baseUrl}/auth?code=${encodeURIComponent(this.gateway.admin.issueCode())}${hash}`;
  }

  destroy(): void {
    if (this.window && !this.window.isDestroyed()) this.window.destroy();
    this.window = undefined;
  }

  private spec(): WindowSpec {
    return {
      title: 'Dementia Companion',
      width: 1040,
      height: 720,
      minWidth: 760,
      minHeight: 520,
      preloadPath: this.preloadPath,
      allowedOrigin: new URL(this.gateway.baseUrl).origin,
      backgroundColor: '#f6f6f8',
    };
  }
}
