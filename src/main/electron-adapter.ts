// The only file that imports electron at run time (eslint enforces it): everything else talks to
// the ElectronFacade interface, so the desktop shell's wiring is tested under plain Node.
import { app, BrowserWindow, clipboard, dialog, Menu, nativeImage, Notification, safeStorage, session, shell, Tray } from 'electron';
import type { MenuItemConstructorOptions } from 'electron';
import { fileURLToPath } from 'node:url';
import type { ElectronFacade, TrayHandle, WindowHandle, WindowSpec } from './electron-facade.ts';
import { HIDDEN_FLAG } from './start-at-login.ts';
import type { TrayAction, TrayMenuItem } from './tray-menu.ts';
import { isAllowedNavigation, isExternalLink } from './window-policy.ts';

function toElectronMenu(items: readonly TrayMenuItem[], dispatch: (action: TrayAction) => Promise<void>): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    if (item.type === 'separator') return { type: 'separator' };
    if (item.type === 'submenu') return { id: item.id, label: item.label, submenu: toElectronMenu(item.submenu, dispatch) };
    const action = item.action;
    return {
      id: item.id,
      type: item.type,
      label: item.label,
      enabled: item.enabled,
      ...(item.checked === undefined ? {} : { checked: item.checked }),
      ...(action ? { click: () => void dispatch(action) } : {}),
    };
  });
}

function createTray(iconPath: string, tooltip: string): TrayHandle {
  const image = nativeImage.createFromPath(iconPath);
  if (process.platform === 'darwin') image.setTemplateImage(true);
  const tray = new Tray(image);
  tray.setToolTip(tooltip);
  return {
    setMenu: (items, dispatch) => tray.setContextMenu(Menu.buildFromTemplate(toElectronMenu(items, dispatch))),
    setToolTip: (text) => tray.setToolTip(text),
    destroy: () => tray.destroy(),
  };
}

let sessionLocked = false;

/** Permissions: only clipboard writes (the "Copy" buttons); no camera, notifications, geolocation... */
function lockDownSession(): void {
  if (sessionLocked) return;
  sessionLocked = true;
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) => callback(permission === 'clipboard-sanitized-write'));
  session.defaultSession.setPermissionCheckHandler((_contents, permission) => permission === 'clipboard-sanitized-write');
}

function createWindow(spec: WindowSpec): WindowHandle {
  lockDownSession();
  const window = new BrowserWindow({
    title: spec.title,
    width: spec.width,
    height: spec.height,
    minWidth: spec.minWidth,
    minHeight: spec.minHeight,
    show: false,
    backgroundColor: spec.backgroundColor,
    autoHideMenuBar: true,
    webPreferences: {
      preload: spec.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  const contents = window.webContents;
  // New windows are never opened; an https link (documentation) goes to the user's browser.
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalLink(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  const guard = (event: { preventDefault(): void }, url: string) => {
    if (!isAllowedNavigation(url, spec.allowedOrigin)) event.preventDefault();
  };
  contents.on('will-navigate', guard);
  contents.on('will-redirect', guard);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  return {
    loadURL: (url) => window.loadURL(url),
    show: () => window.show(),
    focus: () => window.focus(),
    hide: () => window.hide(),
    isDestroyed: () => window.isDestroyed(),
    isVisible: () => !window.isDestroyed() && window.isVisible(),
    onClose: (listener) => window.on('close', listener),
    onClosed: (listener) => window.on('closed', listener),
    destroy: () => window.destroy(),
  };
}

/** The real Electron behind the facade. */
export function createElectronFacade(): ElectronFacade {
  const checkoutRoot = fileURLToPath(new URL('../../../', import.meta.url));
  return {
    platform: process.platform,
    isPackaged: app.isPackaged,
    // From a checkout argv is [electron, appPath, ...]; packaged it is [app, ...].
    argv: process.argv.slice(app.isPackaged ? 1 : 2),
    resourcesDir: app.isPackaged ? process.resourcesPath : `${checkoutRoot}build`,
    appPath: app.getAppPath(),
    execPath: process.execPath,
    requestSingleInstanceLock: () => app.requestSingleInstanceLock(),
    onSecondInstance: (listener) => app.on('second-instance', (_event, argv) => listener(argv)),
    whenReady: () => app.whenReady(),
    onWindowAllClosed: (listener) => app.on('window-all-closed', listener),
    onBeforeQuit: (listener) => app.on('before-quit', listener),
    quit: () => app.quit(),
    exit: (code) => app.exit(code),
    relaunch: () => app.relaunch(),
    hideDock: () => app.dock?.hide(),
    createTray,
    createWindow,
    getOpenAtLogin: () => app.getLoginItemSettings().openAtLogin,
    setOpenAtLogin: (open) => app.setLoginItemSettings({ openAtLogin: open, args: [HIDDEN_FLAG] }),
    secrets: {
      isEncryptionAvailable: () => safeStorage.isEncryptionAvailable(),
      encryptString: (text) => safeStorage.encryptString(text),
      decryptString: (data) => safeStorage.decryptString(data),
    },
    writeClipboard: (text) => clipboard.writeText(text),
    openExternal: (url) => shell.openExternal(url),
    showError: (title, message) => dialog.showErrorBox(title, message),
    notify: (title, body) => {
      if (Notification.isSupported()) new Notification({ title, body }).show();
    },
  };
}
