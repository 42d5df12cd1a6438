import type { ElectronFacade, SecretBox, TrayHandle, WindowHandle, WindowSpec } from '../../../src/main/electron-facade.ts';
import type { TrayAction, TrayMenuItem } from '../../../src/main/tray-menu.ts';

type Listener<T extends unknown[] = []> = (...args: T) => void;

export class FakeTray implements TrayHandle {
  readonly iconPath: string;
  tooltip: string;
  menu: readonly TrayMenuItem[] = [];
  dispatch: ((action: TrayAction) => Promise<void>) | undefined;
  menuBuilds = 0;
  destroyed = false;

  constructor(iconPath: string, tooltip: string) {
    this.iconPath = iconPath;
    this.tooltip = tooltip;
  }
  setMenu(items: readonly TrayMenuItem[], dispatch: (action: TrayAction) => Promise<void>): void {
    this.menu = items;
    this.dispatch = dispatch;
    this.menuBuilds++;
  }
  setToolTip(text: string): void {
    this.tooltip = text;
  }
  destroy(): void {
    this.destroyed = true;
  }
  /** Finds an item by id anywhere in the menu. */
  find(id: string): TrayMenuItem | undefined {
    const walk = (items: readonly TrayMenuItem[]): TrayMenuItem | undefined => {
      for (const item of items) {
        if (item.type !== 'separator' && item.id === id) return item;
        if (item.type === 'submenu') {
          const found = walk(item.submenu);
          if (found) return found;
        }
      }
      return undefined;
    };
    return walk(this.menu);
  }
  /** Clicks an item the way the Electron adapter does: its action goes to the dispatcher. */
  click(id: string): Promise<void> {
    const item = this.find(id);
    if (!item || item.type === 'separator' || item.type === 'submenu' || !item.action) throw new Error(`no clickable tray item ${id}`);
    if (!item.enabled) throw new Error(`tray item ${id} is disabled`);
    return this.dispatch!(item.action);
  }
}

export class FakeWindow implements WindowHandle {
  readonly spec: WindowSpec;
  urls: string[] = [];
  visible = false;
  focused = 0;
  destroyed = false;
  private closeListeners: Listener<[{ preventDefault(): void }]>[] = [];
  private closedListeners: Listener[] = [];

  constructor(spec: WindowSpec) {
    this.spec = spec;
  }
  async loadURL(url: string): Promise<void> {
    this.urls.push(url);
  }
  show(): void {
    this.visible = true;
  }
  focus(): void {
    this.focused++;
  }
  hide(): void {
    this.visible = false;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isVisible(): boolean {
    return this.visible && !this.destroyed;
  }
  onClose(listener: Listener<[{ preventDefault(): void }]>): void {
    this.closeListeners.push(listener);
  }
  onClosed(listener: Listener): void {
    this.closedListeners.push(listener);
  }
  destroy(): void {
    this.destroyed = true;
    for (const listener of this.closedListeners) listener();
  }
  /** The user closes the window: it is destroyed unless a listener prevents it. */
  userClose(): void {
    let prevented = false;
    for (const listener of this.closeListeners) listener({ preventDefault: () => (prevented = true) });
    if (!prevented) this.destroy();
  }
}

/** A reversible, non-identity "encryption" so tests can see that secrets never reach the disk as text. */
export class FakeSecretBox implements SecretBox {
  available = true;
  isEncryptionAvailable(): boolean {
    return this.available;
  }
  encryptString(text: string): Buffer {
    return Buffer.from(`sealed:${Buffer.from(text).reverse().toString('base64')}`);
  }
  decryptString(data: Buffer): string {
    const text = data.toString();
    if (!text.startsWith('sealed:')) throw new Error('not sealed by this box');
    return Buffer.from(text.slice(7), 'base64').reverse().toString();
  }
}

/** Electron as the desktop shell sees it, recording what the shell asked for. */
export class FakeElectron implements ElectronFacade {
  platform: NodeJS.Platform;
  isPackaged = false;
  argv: string[];
  resourcesDir = '/app/resources';
  appPath = '/app';
  execPath = '/app/dementia-companion';
  secrets = new FakeSecretBox();
  lockAvailable = true;
  openAtLogin = false;
  trays: FakeTray[] = [];
  windows: FakeWindow[] = [];
  clipboard: string[] = [];
  errors: { title: string; message: string }[] = [];
  notifications: { title: string; body: string }[] = [];
  quitCalls = 0;
  relaunched = false;
  dockHidden = false;
  private secondInstance: Listener<[readonly string[]]>[] = [];
  private beforeQuit: Listener<[{ preventDefault(): void }]>[] = [];
  windowAllClosedListeners = 0;

  constructor(options: { platform?: NodeJS.Platform; argv?: string[] } = {}) {
    this.platform = options.platform ?? 'linux';
    this.argv = options.argv ?? [];
  }

  requestSingleInstanceLock(): boolean {
    return this.lockAvailable;
  }
  onSecondInstance(listener: Listener<[readonly string[]]>): void {
    this.secondInstance.push(listener);
  }
  async whenReady(): Promise<void> {}
  onWindowAllClosed(): void {
    this.windowAllClosedListeners++;
  }
  onBeforeQuit(listener: Listener<[{ preventDefault(): void }]>): void {
    this.beforeQuit.push(listener);
  }
  quit(): void {
    this.quitCalls++;
  }
  exit(): void {}
  relaunch(): void {
    this.relaunched = true;
  }
  hideDock(): void {
    this.dockHidden = true;
  }
  createTray(iconPath: string, tooltip: string): FakeTray {
    const tray = new FakeTray(iconPath, tooltip);
    this.trays.push(tray);
    return tray;
  }
  createWindow(spec: WindowSpec): FakeWindow {
    const window = new FakeWindow(spec);
    this.windows.push(window);
    return window;
  }
  getOpenAtLogin(): boolean {
    return this.openAtLogin;
  }
  setOpenAtLogin(open: boolean): void {
    this.openAtLogin = open;
  }
  writeClipboard(text: string): void {
    this.clipboard.push(text);
  }
  async openExternal(): Promise<void> {}
  showError(title: string, message: string): void {
    this.errors.push({ title, message });
  }
  notify(title: string, body: string): void {
    this.notifications.push({ title, body });
  }

  /** Another launch of the app: Electron tells the first instance. */
  launchSecondInstance(argv: string[] = []): void {
    for (const listener of this.secondInstance) listener(argv);
  }
  /** Cmd+Q / logout: returns whether the shell held the quit back to clean up first. */
  requestQuit(): boolean {
    let prevented = false;
    for (const listener of this.beforeQuit) listener({ preventDefault: () => (prevented = true) });
    return prevented;
  }
}
