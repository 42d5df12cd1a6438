import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { _electron as electron } from 'playwright-core';
import { buildDesktop } from '../../scripts/build-desktop.ts';
import { tempDir } from '../helpers/gateway-harness.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const binary = process.env.ELECTRON_BIN;
const skip = !binary
  ? 'ELECTRON_BIN is not set: no Electron binary on this machine (it cannot be downloaded here)'
  : !existsSync(binary)
    ? `ELECTRON_BIN=${binary} does not exist`
    : false;

/** The real app in a real Electron: only where ELECTRON_BIN names a binary; skipped (not passed) elsewhere. */
describe('desktop app in Electron (end to end)', { skip }, () => {
  it('starts in the tray, opens a locked-down status window on first run, keeps running when it closes, quits cleanly', { timeout: 180_000 }, async () => {
    buildDesktop();
    const dataDir = tempDir('dementia-e2e-');
    const app = await electron.launch({
      executablePath: binary!,
      args: [root],
      env: { ...process.env, DEMENTIA_DATA_DIR: dataDir, DEMENTIA_PORT: '0', ELECTRON_DISABLE_SECURITY_WARNINGS: 'true' },
    });
    try {
      const page = await app.firstWindow();
      await page.locator('.view-header h1', { hasText: 'Connect a client' }).waitFor();
      assert.equal(
        await page.evaluate(() => (window as unknown as { dementiaDesktop?: { desktop: boolean } }).dementiaDesktop?.desktop),
        true,
        'the narrow preload API',
      );
      assert.equal(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require), 'undefined', 'no Node in the page');
      const prefs = await app.evaluate(({ BrowserWindow }) => {
        const [first] = BrowserWindow.getAllWindows();
        // Not in the typings, but present: the preferences the window was created with.
        const web = (first!.webContents as unknown as { getLastWebPreferences(): Record<string, unknown> }).getLastWebPreferences();
        return { contextIsolation: web.contextIsolation, sandbox: web.sandbox, nodeIntegration: web.nodeIntegration };
      });
      assert.deepEqual(prefs, { contextIsolation: true, sandbox: true, nodeIntegration: false });
      const opened = await page.evaluate(() => window.open('https://example.com/') === null);
      assert.equal(opened, true, 'new windows are denied');
      await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.close());
      const visible = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().map((w) => w.isVisible()));
      assert.deepEqual(visible, [false], 'closed to the tray, still running');
      const exit = new Promise<void>((resolve) => app.process().once('exit', () => resolve()));
      await app.evaluate(({ app: electronApp }) => electronApp.quit());
      await exit;
    } finally {
      await app.close().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
