import type { TrayMenuItem, TrayAction } from './tray-menu.ts';

/**
 * The few Electron capabilities the desktop shell uses, behind an interface: the real one is
 * electron-adapter.ts (the only file that imports electron), tests pass a fake and run under Node.
 */
export interface ElectronFacade {
  readonly platform: NodeJS.Platform;
  /** True in a packaged build (electron-builder), false when run from a checkout. */
  readonly isPackaged: boolean;
  /** The app's argv after the executable (and, from a checkout, after the app path). */
  readonly argv: readonly string[];
  /** Where packaged resources live (tray icons); from a checkout, the repository's build/ folder. */
  readonly resourcesDir: string;
  /** The app folder (package.json); used for the Linux autostart entry from a checkout. */
  readonly appPath: string;
  readonly execPath: string;

  requestSingleInstanceLock(): boolean;
  onSecondInstance(listener: (argv: readonly string[]) => void): void;
  whenReady(): Promise<void>;
  /** Electron quits when its last window closes unless someone listens; the tray app keeps running. */
  onWindowAllClosed(listener: () => void): void;
  /** Cmd+Q, logout, app.quit(): the listener may call `preventDefault` to finish cleanup first. */
  onBeforeQuit(listener: (event: { preventDefault(): void }) => void): void;
  quit(): void;
  /** Exits at once (after cleanup is done). */
  exit(code: number): void;
  /** Starts a new instance when this one exits (settings that need a restart). */
  relaunch(): void;
  /** macOS: no dock icon, the app lives in the menu bar. */
  hideDock(): void;

  createTray(iconPath: string, tooltip: string): TrayHandle;
  createWindow(spec: WindowSpec): WindowHandle;

  /** macOS and Windows login items. */
  getOpenAtLogin(): boolean;
  setOpenAtLogin(open: boolean): void;

  readonly secrets: SecretBox;
  writeClipboard(text: string): void;
  openExternal(url: string): Promise<void>;
  showError(title: string, message: string): void;
  /** A desktop notification (what a tray action did); nothing where the OS has none. */
  notify(title: string, body: string): void;
}

export interface TrayHandle {
  /** Replaces the context menu; clicks on items with an action call `dispatch`. */
  /** `dispatch` runs what an item does; it settles when the change is made (tests wait for it). */
  setMenu(items: readonly TrayMenuItem[], dispatch: (action: TrayAction) => Promise<void>): void;
  setToolTip(text: string): void;
  destroy(): void;
}

export interface WindowSpec {
  title: string;
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
  /** The compiled preload (a narrow, read-only API for the page). */
  preloadPath: string;
  /** The only origin the window may show; every other navigation and every new window is denied. */
  allowedOrigin: string;
  backgroundColor: string;
}

export interface WindowHandle {
  loadURL(url: string): Promise<void>;
  show(): void;
  focus(): void;
  hide(): void;
  isDestroyed(): boolean;
  isVisible(): boolean;
  /** Closing the window: the listener may `preventDefault` to hide it instead. */
  onClose(listener: (event: { preventDefault(): void }) => void): void;
  onClosed(listener: () => void): void;
  destroy(): void;
}

/** Electron safeStorage: OS-backed encryption (Keychain, DPAPI, libsecret). */
export interface SecretBox {
  isEncryptionAvailable(): boolean;
  encryptString(text: string): Buffer;
  decryptString(data: Buffer): string;
}
