import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ElectronFacade } from './electron-facade.ts';

export const AUTOSTART_FILE = 'dementia-companion.desktop';

/** The argument a login item or autostart entry passes: start in the tray without opening the window. */
export const HIDDEN_FLAG = '--hidden';

/** Starting the app when the user logs in: a login item on macOS and Windows, an XDG autostart entry on Linux. */
export interface StartAtLogin {
  isEnabled(): boolean;
  setEnabled(enabled: boolean): void;
}

/** ~/.config/autostart/dementia-companion.desktop (or under $XDG_CONFIG_HOME). */
export function autostartPath(env: NodeJS.ProcessEnv = process.env, home: string = env.HOME || homedir()): string {
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'autostart', AUTOSTART_FILE);
}

/** Quotes one Exec argument per the Desktop Entry spec: double quotes, with " ` $ \ escaped. */
export function quoteExecArg(arg: string): string {
  if (/^[A-Za-z0-9_./:=+-]+$/.test(arg)) return arg;
  return `"${arg.replace(/(["`$\\])/g, '\\$1')}"`;
}

export function desktopEntry(command: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Dementia Companion',
    'Comment=Shared project memory for every Claude client',
    `Exec=${command.map(quoteExecArg).join(' ')}`,
    'Icon=dementia-companion',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** The XDG autostart entry; the command is what starts this very app (AppImage, deb or checkout). */
export class LinuxAutostart implements StartAtLogin {
  private readonly path: string;
  private readonly command: readonly string[];

  constructor(command: readonly string[], env: NodeJS.ProcessEnv = process.env) {
    this.path = autostartPath(env);
    this.command = command;
  }

  isEnabled(): boolean {
    if (!existsSync(this.path)) return false;
    const text = readFileSync(this.path, 'utf8');
    return !/^Hidden\s*=\s*true\s*$/m.test(text) && !/^X-GNOME-Autostart-enabled\s*=\s*false\s*$/m.test(text);
  }

  setEnabled(enabled: boolean): void {
    if (!enabled) {
      rmSync(this.path, { force: true });
      return;
    }
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(this.path, desktopEntry(this.command), { mode: 0o644 });
  }
}

class LoginItem implements StartAtLogin {
  private readonly electron: ElectronFacade;
  constructor(electron: ElectronFacade) {
    this.electron = electron;
  }
  isEnabled(): boolean {
    return this.electron.getOpenAtLogin();
  }
  setEnabled(enabled: boolean): void {
    this.electron.setOpenAtLogin(enabled);
  }
}

/** How this app is started again: the AppImage file itself, else the binary (plus the app folder from a checkout). */
export function launchCommand(electron: ElectronFacade, env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.APPIMAGE) return [env.APPIMAGE, HIDDEN_FLAG];
  return electron.isPackaged ? [electron.execPath, HIDDEN_FLAG] : [electron.execPath, electron.appPath, HIDDEN_FLAG];
}

export function startAtLoginFor(electron: ElectronFacade, env: NodeJS.ProcessEnv = process.env): StartAtLogin {
  return electron.platform === 'linux' ? new LinuxAutostart(launchCommand(electron, env), env) : new LoginItem(electron);
}
