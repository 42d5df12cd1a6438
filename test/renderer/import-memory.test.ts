import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { adminAuth } from '../helpers/admin-auth.ts';
import { connectClient, startTestGateway, tempDir, type TestGateway } from '../helpers/gateway-harness.ts';
import { createOldSqliteFile } from '../import/helpers/old-servers.ts';
import { dumpStore } from '../import/helpers/store-dump.ts';
import { chromiumMissing, launchChromium, openStatusPage, pageErrors, SHOWN_WITHIN_MS } from './helpers/browser.ts';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/import-memory/', import.meta.url));

/** "Import memory..." in the status window's settings: its admin API and the page in a real Chromium. */
describe('import memory from the status window', () => {
  let test: TestGateway;
  let base: string;
  /** An admin session of the CLI's kind (local proof). */
  let admin: { authorization: string };
  let oldFile: string;

  const post = (path: string, body: unknown, headers: Record<string, string> = admin) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const folder = join(tempDir('old-dementia-'), 'Sites', 'home-lab');
    mkdirSync(folder, { recursive: true });
    oldFile = join(folder, '.claude-memory.db');
    createOldSqliteFile(oldFile, 'home-lab');
    test = await startTestGateway();
    base = test.gateway.baseUrl;
    admin = await adminAuth(test.gateway);
  });
  after(() => test.stop({ remove: true }));

  it('admin API: a preview writes nothing; writes need the admin sign-in, JSON from this page, and a valid body', async () => {
    const before = dumpStore(test.dataDir);
    const preview = await post('/api/import/preview', { kind: 'claude-dementia', from: oldFile });
    assert.equal(preview.status, 200);
    const { importId, report } = (await preview.json()) as { importId: string; report: { dryRun: boolean; projects: { name: string; versions: number }[] } };
    assert.equal(report.dryRun, true);
    assert.deepEqual(
      report.projects.map((p) => [p.name, p.versions]),
      [['home-lab', 4]],
    );
    assert.equal(dumpStore(test.dataDir), before, 'the preview wrote nothing');

    const { token } = test.addClient('Claude Code', { kind: 'claude-code' });
    assert.equal((await post('/api/import/run', { importId }, { authorization: `Bearer ${token}` })).status, 401, 'a client token is not an admin sign-in');
    assert.equal((await post('/api/import/run', { importId }, { ...admin, origin: 'http://localhost:3000' })).status, 403, 'another local site');
    const form = await fetch(`${base}/api/import/run`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'text/plain' },
      body: JSON.stringify({ importId }),
    });
    assert.equal(form.status, 403, 'not JSON');
    const noFrom = await post('/api/import/preview', { kind: 'claude-dementia' });
    assert.deepEqual([noFrom.status, await noFrom.json()], [400, { error: '"from" is required.' }]);
    const badKind = await post('/api/import/preview', { kind: 'notion', from: oldFile });
    assert.equal(badKind.status, 400);
    assert.match(((await badKind.json()) as { error: string }).error, /Cannot import from "notion"\. Fix: Import from one of: claude-dementia, server-memory/);
    const unknown = await post('/api/import/run', { importId: 'nope' });
    assert.equal(unknown.status, 404);
    assert.equal(dumpStore(test.dataDir).includes('home-lab'), false, 'nothing was imported by the refused calls');
  });

  describe('in a real Chromium', { skip: chromiumMissing() }, () => {
    let browser: Browser;
    before(async () => {
      browser = await launchChromium();
    });
    after(() => browser?.close());

    it('Settings → "Import memory…": the dry run first, then the import; MCP clients and the page see the project', { timeout: 60_000 }, async () => {
      const { context, page } = await openStatusPage(browser, test.gateway, { view: 'settings' });
      await page.locator('#import-memory').waitFor();
      await page.locator('#import-memory').screenshot({ path: join(ARTIFACTS, 'settings-import-closed-light@1x.png') });
      await page.click('button[data-action="open-import"]');
      await page.fill('input[name="importFrom"]', join(oldFile, '..', 'missing.db'));
      await page.click('button[data-action="preview-import"]');
      await page.locator('.import-error', { hasText: 'There is no file or folder' }).waitFor({ timeout: 5_000 });
      await page.locator('#import-memory').screenshot({ path: join(ARTIFACTS, 'settings-import-error-light@1x.png') });

      await page.fill('input[name="importFrom"]', oldFile);
      await page.click('button[data-action="preview-import"]');
      const preview = page.locator('.import-report[data-dry-run="true"]');
      await preview.waitFor({ timeout: 5_000 });
      assert.equal(
        await preview.locator('.import-summary').textContent(),
        'Would add 4 version(s) of 3 context(s), 1 archived version(s), 1 handover(s) and 1 note(s).',
      );
      const row = preview.locator('tr[data-import-project="home-lab"] td');
      assert.deepEqual(await row.allTextContents(), ['home-labnew', '3', '4', '1', '1', '1', '0', '0']);
      assert.match((await preview.locator('.import-details').textContent())!, /label "architecture": 2 old sessions/);
      assert.equal(test.gateway.services.projects.exists('home-lab'), false, 'nothing written before "Import"');
      await page.locator('#import-memory').screenshot({ path: join(ARTIFACTS, 'settings-import-preview-light@1x.png') });

      await page.click('button[data-action="run-import"]');
      const done = page.locator('.import-report[data-dry-run="false"]');
      await done.waitFor({ timeout: 10_000 });
      assert.equal(
        await done.locator('.import-summary').textContent(),
        'Added 4 version(s) of 3 context(s), 1 archived version(s), 1 handover(s) and 1 note(s).',
      );
      await page.locator('#import-memory').screenshot({ path: join(ARTIFACTS, 'settings-import-done-light@1x.png') });

      const { token } = test.addClient('Cursor', { kind: 'cursor' });
      const mcp = await connectClient(test.url, token);
      const recalled = await mcp.call('recall_context', { project: 'home-lab', topic: 'architecture' });
      assert.equal((recalled.structuredContent as { context: { version: number } }).context.version, 3);
      await mcp.close();
      await page.click('a[data-view="projects"]');
      await page.locator('tr[data-project="home-lab"]').waitFor({ timeout: SHOWN_WITHIN_MS });
      await page.click('a[data-view="settings"]');
      await page.click('button[data-action="import-done"]');
      await page.locator('button[data-action="open-import"]').waitFor();
      // The one console error is the browser logging the 400 of the missing file above.
      assert.deepEqual(pageErrors(page), ['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
      await context.close();

      const dark = await openStatusPage(browser, test.gateway, { view: 'settings', colorScheme: 'dark', scale: 2 });
      await dark.page.click('button[data-action="open-import"]');
      await dark.page.fill('input[name="importFrom"]', oldFile);
      await dark.page.click('button[data-action="preview-import"]');
      await dark.page
        .locator('.import-report[data-dry-run="true"] .import-summary', { hasText: 'Nothing new: everything is already here.' })
        .waitFor({ timeout: 5_000 });
      assert.equal(await dark.page.locator('button[data-action="run-import"]').isDisabled(), true, 'nothing to import: the button is off');
      await dark.page.locator('#import-memory').screenshot({ path: join(ARTIFACTS, 'settings-import-again-dark@2x.png') });
      assert.deepEqual(pageErrors(dark.page), []);
      await dark.context.close();
    });
  });
});
