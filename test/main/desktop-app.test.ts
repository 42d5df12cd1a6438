import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/gateway/clock.ts';
import { silentLogger } from '../../src/gateway/logger.ts';
import { DesktopApp } from '../../src/main/desktop-app.ts';
import { DESKTOP_SETTINGS_FILE, DesktopSettingsStore } from '../../src/main/desktop-settings-store.ts';
import { autostartPath } from '../../src/main/start-at-login.ts';
import { adminAuth } from '../helpers/admin-auth.ts';
import { connectClient, tempDir, textOf } from '../helpers/gateway-harness.ts';
import { FakeElectron } from './helpers/fake-electron.ts';

function startApp(options: { platform?: NodeJS.Platform; argv?: string[]; dataDir?: string; home?: string } = {}) {
  const electron = new FakeElectron({ platform: options.platform, argv: options.argv });
  const dataDir = options.dataDir ?? tempDir('dementia-desktop-');
  const home = options.home ?? tempDir('dementia-home-');
  const clock = new ManualClock();
  const app = new DesktopApp({
    electron,
    env: { DEMENTIA_DATA_DIR: dataDir, DEMENTIA_PORT: '0', HOME: home },
    clock,
    logger: silentLogger,
    writeRuntimeFile: false,
    preloadPath: '/app/dist/src/main/preload.cjs',
  });
  return { electron, app, dataDir, home, clock };
}

describe('desktop app wiring under a fake Electron', () => {
  it('starts: single-instance lock, gateway on 127.0.0.1, tray with menu, first-run window on "connect"', async () => {
    const { electron, app, dataDir } = startApp({ platform: 'darwin' });
    assert.equal(await app.start(), true);
    try {
      assert.equal(electron.dockHidden, true, 'no dock icon on macOS');
      assert.equal(electron.windowAllClosedListeners, 1, 'closing the last window does not quit');
      assert.match(app.gateway.mcpUrl, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      assert.equal(electron.trays.length, 1);
      const tray = electron.trays[0]!;
      assert.equal(tray.iconPath, join('/app/resources', 'tray', 'trayTemplate.png'));
      assert.ok(tray.find('no-clients'), 'an empty tray says no clients');
      assert.match(tray.tooltip, /0 clients/);
      // First run: the window opens on "Connect a client", signed in with a one-time code.
      assert.equal(electron.windows.length, 1);
      const window = electron.windows[0]!;
      assert.match(window.urls[0]!, new RegExp(`^${app.gateway.baseUrl}/auth\\?code=dca_[\\w-]+#connect$`));
      assert.equal(window.visible, true);
      assert.equal(window.spec.allowedOrigin, app.gateway.baseUrl);
      assert.equal(window.spec.preloadPath, '/app/dist/src/main/preload.cjs');
      const response = await fetch(window.urls[0]!, { redirect: 'manual' });
      assert.equal(response.status, 200, 'the window code signs in like statusUrl');
      assert.match(response.headers.get('set-cookie') ?? '', /^dc_admin_\d+=dcb_[\w-]+; HttpOnly; SameSite=Strict/);
      assert.match(await response.text(), /<meta name="dementia-admin-key" content="dcb_[\w-]+">/, 'the page gets its half of the session');
    } finally {
      await app.quit();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a second launch quits at once; the first instance shows its window', async () => {
    const { electron, app, dataDir } = startApp({ argv: ['--hidden'] });
    await app.start();
    try {
      assert.equal(electron.windows.length, 0, 'started at login (--hidden): no window');
      const second = new FakeElectron();
      second.lockAvailable = false;
      const other = new DesktopApp({ electron: second, env: { DEMENTIA_DATA_DIR: dataDir, DEMENTIA_PORT: '0' }, logger: silentLogger });
      assert.equal(await other.start(), false);
      assert.equal(second.quitCalls, 1);
      assert.equal(second.trays.length, 0);
      electron.launchSecondInstance();
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(electron.windows.length, 1);
      assert.equal(electron.windows[0]!.visible, true);
    } finally {
      await app.quit();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('closing the window hides it; quitting stops the gateway and quits Electron once', async () => {
    const { electron, app, dataDir } = startApp();
    await app.start();
    const window = electron.windows[0]!;
    window.userClose();
    assert.equal(window.destroyed, false);
    assert.equal(window.visible, false, 'closed to the tray');
    await app.openStatus('clients');
    assert.equal(electron.windows.length, 1, 'the same window comes back');
    assert.match(
      window.urls.at(-1)!,
      new RegExp(`^${app.gateway.baseUrl}/auth\\?code=dca_[\\w-]+#clients$`),
      'signed in afresh: the last session may have ended while hidden',
    );
    assert.equal(window.visible, true);
    const baseUrl = app.gateway.baseUrl;
    // Cmd+Q: the shell holds the quit back until the gateway is stopped.
    assert.equal(electron.requestQuit(), true);
    await app.quit();
    assert.equal(electron.quitCalls, 1);
    assert.equal(electron.trays[0]!.destroyed, true);
    assert.equal(window.destroyed, true);
    await assert.rejects(fetch(`${baseUrl}/healthz`), 'the gateway is stopped');
    assert.equal(electron.requestQuit(), false, 'after cleanup the quit goes through');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a gateway that cannot start (port in use) shows an error and quits', async () => {
    const first = startApp();
    await first.app.start();
    try {
      const electron = new FakeElectron();
      const dataDir = tempDir('dementia-desktop-');
      const app = new DesktopApp({
        electron,
        env: { DEMENTIA_DATA_DIR: dataDir, DEMENTIA_PORT: String(first.app.gateway.port) },
        logger: silentLogger,
        writeRuntimeFile: false,
      });
      assert.equal(await app.start(), false);
      assert.equal(electron.quitCalls, 1);
      assert.match(electron.errors[0]!.message, /already in use/);
      rmSync(dataDir, { recursive: true, force: true });
    } finally {
      await first.app.quit();
    }
  });
});

describe('tray rebuilt on every change; its clicks change what MCP clients see', () => {
  const ctx = {} as ReturnType<typeof startApp>;
  let token = '';
  let clientId = '';

  before(async () => {
    Object.assign(ctx, startApp({ argv: ['--hidden'] }));
    await ctx.app.start();
    const added = ctx.app.gateway.services.clients.add('Claude Code', 'claude-code', null);
    token = added.token;
    clientId = added.client.id;
    ctx.app.gateway.services.projects.create('linkedin');
    ctx.app.gateway.services.projects.create('home-lab');
  });
  after(async () => {
    await ctx.app.quit();
    rmSync(ctx.dataDir, { recursive: true, force: true });
  });

  it('a tool call rebuilds the tray: the client, its project and "active" appear', async () => {
    const tray = ctx.electron.trays[0]!;
    const builds = tray.menuBuilds;
    const mcp = await connectClient(new URL(ctx.app.gateway.mcpUrl), token);
    try {
      await mcp.call('select_project_for_session', { project_name: 'linkedin' });
      assert.ok(tray.menuBuilds > builds);
      const entry = tray.find(`client:${clientId}`);
      assert.equal(entry?.type === 'submenu' && entry.label, 'Claude Code — linkedin · active');
      const radio = tray.find(`client:${clientId}:project:linkedin`);
      assert.equal(radio?.type === 'radio' && radio.checked, true);
      // Time passes without calls: the periodic refresh shows "idle".
      ctx.clock.advanceMinutes(37);
      ctx.app.refresh();
      assert.equal(
        tray.find(`client:${clientId}`)!.type === 'submenu' && (tray.find(`client:${clientId}`) as { label: string }).label,
        'Claude Code — linkedin · idle 37 min',
      );
    } finally {
      await mcp.close();
    }
  });

  it('choosing a project in the tray is what select_project_for_session does: the client sees it', async () => {
    const tray = ctx.electron.trays[0]!;
    // One window (instance) of the client that had its own selection.
    const window = await connectClient(new URL(ctx.app.gateway.mcpUrl), token, { headers: { 'x-dementia-instance': '/src/app' } });
    const plain = await connectClient(new URL(ctx.app.gateway.mcpUrl), token);
    try {
      await window.call('select_project_for_session', { project_name: 'linkedin' });
      await tray.click(`client:${clientId}:project:home-lab`);
      for (const client of [plain, window]) {
        const status = await client.call('session_status');
        assert.match(textOf(status), /Work session [\w-]+ on "home-lab"/);
        assert.equal(status.structuredContent?.project, 'home-lab');
      }
      const radio = tray.find(`client:${clientId}:project:home-lab`);
      assert.equal(radio?.type === 'radio' && radio.checked, true, 'the tray shows the new project');
      await tray.click(`client:${clientId}:project:none`);
      const none = await plain.call('lock_context', { topic: 'x', content: 'y' });
      assert.match(textOf(none), /PROJECT_SELECTION_REQUIRED/);
    } finally {
      await window.close();
      await plain.close();
    }
  });

  it('"End session now" writes the handover; the next call starts a new session and sees it', async () => {
    const tray = ctx.electron.trays[0]!;
    const mcp = await connectClient(new URL(ctx.app.gateway.mcpUrl), token);
    try {
      const first = await mcp.call('lock_context', { topic: 'schedule', content: 'Tuesdays', project: 'linkedin' });
      const firstSession = (first.structuredContent?.workSession as { id: string }).id;
      await tray.click(`client:${clientId}:end-session`);
      // The click says what it wrote (issue 15.7): a notification, since a menu has no page.
      const notice = ctx.electron.notifications.at(-1)!;
      assert.equal(notice.title, 'Session ended');
      assert.match(
        notice.body,
        /^Ended Claude Code's session on linkedin and wrote its handover: 2 tool calls: 1 context locked\. The next session on it reads this handover\.$/m,
      );
      assert.match(tray.find(`client:${clientId}`)!.type === 'submenu' ? (tray.find(`client:${clientId}`) as { label: string }).label : '', /handover written/);
      const end = tray.find(`client:${clientId}:end-session`);
      assert.equal(end?.type === 'normal' && end.enabled, false, 'nothing left to end');
      const handover = await mcp.call('get_last_handover');
      assert.match(textOf(handover), /Handover for project "linkedin" from Claude Code/);
      assert.notEqual((handover.structuredContent?.workSession as { id: string }).id, firstSession);
    } finally {
      await mcp.close();
    }
  });

  it('copy address, open status, connect a client, start at login (Linux autostart file)', async () => {
    const tray = ctx.electron.trays[0]!;
    await tray.click('address');
    assert.deepEqual(ctx.electron.clipboard, [ctx.app.gateway.mcpUrl]);
    await tray.click('connect');
    await new Promise((resolve) => setImmediate(resolve));
    assert.match(ctx.electron.windows[0]!.urls[0]!, /#connect$/);
    await tray.click('open-status');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(ctx.electron.windows.length, 1);
    const file = autostartPath({ HOME: ctx.home });
    assert.equal(existsSync(file), false);
    await tray.click('start-at-login');
    assert.match(readFileSync(file, 'utf8'), /^Exec=\/app\/dementia-companion \/app --hidden$/m);
    const item = tray.find('start-at-login');
    assert.equal(item?.type === 'checkbox' && item.checked, true);
    await tray.click('start-at-login');
    assert.equal(existsSync(file), false);
    const pause = tray.find('pause-sync');
    assert.equal(pause?.type === 'checkbox' && pause.enabled, false, 'no sync configured: nothing to pause');
  });

  it('settings saved through the window are sealed with safeStorage and need a restart', async () => {
    const admin = await adminAuth(ctx.app.gateway);
    const response = await fetch(`${ctx.app.gateway.baseUrl}/api/settings`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ pgUrl: 'postgres://me:hunter2@db.example.com:5432/memory', apiKey: 'dk_live_0123456789secret', port: 48000 }),
    });
    const view = (await response.json()) as { pgServer: string; apiKeySet: boolean; restartRequired: boolean; editable: boolean };
    assert.equal(response.status, 200);
    assert.deepEqual({ ...view }, { ...view, editable: true, pgServer: 'db.example.com:5432/memory', apiKeySet: true, restartRequired: true });
    const refused = await fetch(`${ctx.app.gateway.baseUrl}/api/settings`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ apiKey: 'short' }),
    });
    assert.equal(refused.status, 400, 'what the sync engine would refuse is refused while the user is here');
    assert.match(((await refused.json()) as { error: string }).error, /not a valid API key/);
    const onDisk = readFileSync(join(ctx.dataDir, DESKTOP_SETTINGS_FILE), 'utf8');
    assert.doesNotMatch(onDisk, /hunter2|dk_live_0123456789secret|db\.example\.com/);
    assert.match(onDisk, /"port": 48000/);
    const restart = await fetch(`${ctx.app.gateway.baseUrl}/api/app/restart`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
    });
    assert.equal(restart.status, 202);
    // The restart relaunches and quits; `after` tolerates the second quit.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(ctx.electron.relaunched, true);
  });
});

describe('sync in the tray', () => {
  it('offline with pending changes shows in the sync line; "Pause sync" pauses the engine and shows it', { timeout: 20_000 }, async () => {
    const electron = new FakeElectron();
    const dataDir = tempDir('dementia-desktop-');
    const env = {
      DEMENTIA_DATA_DIR: dataDir,
      DEMENTIA_PORT: '0',
      DEMENTIA_PG_URL: 'postgres://app:pw@127.0.0.1:1/memory?sslmode=disable',
      DEMENTIA_API_KEY: 'dk_test_0123456789abcdef',
    };
    const app = new DesktopApp({ electron, env, logger: silentLogger, writeRuntimeFile: false });
    await app.start();
    try {
      const { token } = app.gateway.services.clients.add('Claude Code', 'claude-code', null);
      const mcp = await connectClient(new URL(app.gateway.mcpUrl), token);
      await mcp.call('create_project', { name: 'notes' });
      await mcp.call('lock_context', { topic: 'todo', content: 'Buy milk', project: 'notes' });
      await mcp.close();
      const tray = electron.trays[0]!;
      const syncLabel = () => (tray.find('sync') as { label: string }).label;
      // The engine's first attempt fails at once (nothing listens on port 1); its change event rebuilds the tray.
      for (let i = 0; i < 100 && !/^Offline, \d+ changes waiting$/.test(syncLabel()); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.match(syncLabel(), /^Offline, \d+ changes waiting$/);
      await tray.click('pause-sync');
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(app.gateway.sync!.status().state, 'paused');
      assert.match(syncLabel(), /^Sync paused, \d+ changes waiting$/);
      const pause = tray.find('pause-sync');
      assert.equal(pause?.type === 'checkbox' && pause.checked, true);
      await tray.click('pause-sync');
      await new Promise((resolve) => setImmediate(resolve));
      assert.notEqual(app.gateway.sync!.status().state, 'paused');
    } finally {
      await app.quit();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('settings across restarts', () => {
  it('saved sync settings the engine refuses do not stop the app: it starts without sync and says so', async () => {
    const dataDir = tempDir('dementia-desktop-');
    const electron = new FakeElectron();
    new DesktopSettingsStore(dataDir, electron.secrets).save({ pgUrl: 'postgres://u:p@h/db', apiKey: 'bad' });
    const app = new DesktopApp({ electron, env: { DEMENTIA_DATA_DIR: dataDir, DEMENTIA_PORT: '0' }, logger: silentLogger, writeRuntimeFile: false });
    try {
      assert.equal(await app.start(), true);
      assert.equal(electron.errors[0]?.title, 'Sync is off');
      assert.equal(app.gateway.settings.apiKey, undefined);
    } finally {
      await app.quit();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('the saved port, Postgres URL and API key are what the next start uses; the environment wins', async () => {
    const dataDir = tempDir('dementia-desktop-');
    const first = startApp({ dataDir, argv: ['--hidden'] });
    await first.app.start();
    const admin = await adminAuth(first.app.gateway);
    await fetch(`${first.app.gateway.baseUrl}/api/settings`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ pgUrl: 'postgres://u:p@h/db', apiKey: 'dk_test_0123456789abcdef' }),
    });
    await first.app.quit();
    const second = startApp({ dataDir, argv: ['--hidden'] });
    assert.equal(await second.app.start(), true, JSON.stringify(second.electron.errors));
    try {
      assert.equal(second.app.gateway.settings.pgUrl, 'postgres://u:p@h/db');
      assert.equal(second.app.gateway.settings.apiKey, 'dk_test_0123456789abcdef');
      assert.equal(second.app.gateway.settings.port, 0, 'DEMENTIA_PORT wins over the saved port');
    } finally {
      await second.app.quit();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
