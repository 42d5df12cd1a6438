import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { autostartPath, desktopEntry, launchCommand, LinuxAutostart, quoteExecArg, startAtLoginFor } from '../../src/main/start-at-login.ts';
import { tempDir } from '../helpers/gateway-harness.ts';
import { FakeElectron } from './helpers/fake-electron.ts';

describe('start at login', () => {
  it('Linux: writes and removes an XDG autostart entry under a temporary HOME', () => {
    const home = tempDir('dementia-home-');
    try {
      const env = { HOME: home };
      const autostart = new LinuxAutostart(['/opt/Dementia Companion/dementia-companion', '--hidden'], env);
      const path = join(home, '.config', 'autostart', 'dementia-companion.desktop');
      assert.equal(autostartPath(env), path);
      assert.equal(autostart.isEnabled(), false);
      autostart.setEnabled(true);
      assert.equal(autostart.isEnabled(), true);
      const text = readFileSync(path, 'utf8');
      assert.match(text, /^\[Desktop Entry\]\nType=Application\nName=Dementia Companion\n/);
      assert.match(text, /^Exec="\/opt\/Dementia Companion\/dementia-companion" --hidden$/m);
      assert.equal(statSync(path).mode & 0o777, 0o644);
      autostart.setEnabled(false);
      assert.equal(existsSync(path), false);
      autostart.setEnabled(false);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('Linux: honours XDG_CONFIG_HOME and an entry the user disabled', () => {
    const config = tempDir('dementia-xdg-');
    try {
      const autostart = new LinuxAutostart(['/usr/bin/dementia-companion'], { XDG_CONFIG_HOME: config, HOME: '/nonexistent' });
      autostart.setEnabled(true);
      const path = join(config, 'autostart', 'dementia-companion.desktop');
      assert.equal(existsSync(path), true);
      const disabled = desktopEntry(['/usr/bin/dementia-companion']).replace('X-GNOME-Autostart-enabled=true', 'X-GNOME-Autostart-enabled=false');
      rmSync(path);
      autostart.setEnabled(true);
      assert.equal(autostart.isEnabled(), true);
      // A user who switched it off in their desktop settings sees it off here too.
      writeFileSync(path, disabled);
      assert.equal(autostart.isEnabled(), false);
    } finally {
      rmSync(config, { recursive: true, force: true });
    }
  });

  it('quotes Exec arguments per the Desktop Entry spec', () => {
    assert.equal(quoteExecArg('/usr/bin/app'), '/usr/bin/app');
    assert.equal(quoteExecArg('/home/me/My Apps/app'), '"/home/me/My Apps/app"');
    assert.equal(quoteExecArg('a"b$c`d\\e'), '"a\\"b\\$c\\`d\\\\e"');
  });

  it('the command: the AppImage file, the packaged binary, or Electron plus the checkout', () => {
    const electron = new FakeElectron();
    assert.deepEqual(launchCommand(electron, { APPIMAGE: '/home/me/Dementia.AppImage' }), ['/home/me/Dementia.AppImage', '--hidden']);
    assert.deepEqual(launchCommand(electron, {}), ['/app/dementia-companion', '/app', '--hidden']);
    electron.isPackaged = true;
    assert.deepEqual(launchCommand(electron, {}), ['/app/dementia-companion', '--hidden']);
  });

  it('macOS and Windows: the login item', () => {
    for (const platform of ['darwin', 'win32'] as const) {
      const electron = new FakeElectron({ platform });
      const login = startAtLoginFor(electron, {});
      assert.equal(login.isEnabled(), false);
      login.setEnabled(true);
      assert.equal(electron.openAtLogin, true);
      assert.equal(login.isEnabled(), true);
    }
  });
});
