import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { adminAuth } from '../helpers/admin-auth.ts';
import { connectClient, startTestGateway, tempDir, type TestGateway } from '../helpers/gateway-harness.ts';
import { chromiumMissing, launchChromium, openStatusPage, pageErrors } from './helpers/browser.ts';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/export-memory/', import.meta.url));

/** "Export memory..." in the status window's settings: its admin API and the page in a real Chromium. */
describe('export memory from the status window', () => {
  let test: TestGateway;
  let base: string;
  let admin: { authorization: string };

  const post = (path: string, body: unknown, headers: Record<string, string> = admin) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    test = await startTestGateway();
    base = test.gateway.baseUrl;
    admin = await adminAuth(test.gateway);
    const c = await connectClient(test.url, test.addClient('Claude Code', { kind: 'claude-code' }).token);
    await c.call('create_project', { name: 'garden' });
    await c.call('lock_context', { project: 'garden', topic: 'beds/layout', content: 'Tomatoes in bed 2.' });
    await c.call('lock_context', { project: 'garden', topic: 'beds/layout', content: 'Tomatoes in bed 3.' });
    await c.close();
  });
  after(() => test.stop({ remove: true }));

  it('admin API: writes the export; needs the admin sign-in; never writes into a folder of other files', async () => {
    const to = join(tempDir('export-api-'), 'out');
    const { token } = test.addClient('Cursor', { kind: 'cursor' });
    assert.equal((await post('/api/export', { to }, { authorization: `Bearer ${token}` })).status, 401, 'a client token is not an admin sign-in');
    assert.equal(existsSync(to), false);
    const noTo = await post('/api/export', {});
    assert.deepEqual([noTo.status, await noTo.json()], [400, { error: '"to" is required.' }]);

    const ok = await post('/api/export', { to, project: 'garden' });
    assert.equal(ok.status, 200);
    const report = (await ok.json()) as { projects: { name: string; versions: number }[] };
    assert.deepEqual(
      report.projects.map((p) => [p.name, p.versions]),
      [['garden', 2]],
    );
    assert.equal(readFileSync(join(to, 'garden', 'contexts', 'beds%2Flayout', 'v0002.md'), 'utf8').split('\n---\n')[1], 'Tomatoes in bed 3.');

    const foreign = tempDir('export-api-foreign-');
    writeFileSync(join(foreign, 'keep.txt'), 'mine');
    const refused = await post('/api/export', { to: foreign });
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as { error: string }).error, /not empty and holds no earlier export/);
    assert.equal(readFileSync(join(foreign, 'keep.txt'), 'utf8'), 'mine');
  });

  describe('in a real Chromium', { skip: chromiumMissing() }, () => {
    let browser: Browser;
    before(async () => {
      browser = await launchChromium();
    });
    after(() => browser?.close());

    it('Settings → "Export memory…": writes the folder and shows what it holds', { timeout: 60_000 }, async () => {
      const to = join(tempDir('export-page-'), 'garden-memory');
      const { context, page } = await openStatusPage(browser, test.gateway, { view: 'settings' });
      await page.locator('#export-memory').waitFor();
      await page.locator('#export-memory').screenshot({ path: join(ARTIFACTS, 'settings-export-closed-light@1x.png') });
      await page.click('button[data-action="open-export"]');
      await page.fill('input[name="exportTo"]', to);
      await page.click('button[data-action="run-export"]');
      const done = page.locator('#export-memory .export-report');
      await done.waitFor({ timeout: 10_000 });
      assert.match(
        (await done.locator('.import-summary').textContent())!,
        /^Exported 1 project\(s\): 2 version\(s\) of 1 context\(s\), 0 handover\(s\), 0 note\(s\)\. Folder: /,
      );
      assert.deepEqual(await done.locator('tr[data-export-project="garden"] td').allTextContents(), ['garden', '1', '2', '0', '0', '0']);
      assert.ok(existsSync(join(to, 'manifest.json')));
      await page.locator('#export-memory').screenshot({ path: join(ARTIFACTS, 'settings-export-done-light@1x.png') });
      await page.click('button[data-action="export-done"]');
      await page.locator('button[data-action="open-export"]').waitFor();
      assert.deepEqual(pageErrors(page), []);
      await context.close();

      const dark = await openStatusPage(browser, test.gateway, { view: 'settings', colorScheme: 'dark', scale: 2, width: 480 });
      await dark.page.click('button[data-action="open-export"]');
      const foreign = tempDir('export-page-foreign-');
      writeFileSync(join(foreign, 'thesis.md'), 'mine');
      await dark.page.fill('input[name="exportTo"]', foreign);
      await dark.page.click('button[data-action="run-export"]');
      await dark.page.locator('#export-memory .export-error', { hasText: 'not empty and holds no earlier export' }).waitFor({ timeout: 5_000 });
      assert.equal(readFileSync(join(foreign, 'thesis.md'), 'utf8'), 'mine');
      await dark.page.locator('#export-memory').screenshot({ path: join(ARTIFACTS, 'settings-export-error-dark-narrow@2x.png') });
      await dark.context.close();
    });
  });
});
