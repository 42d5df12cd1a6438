import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { Gateway } from '../../src/gateway/gateway.ts';
import { silentLogger } from '../../src/gateway/logger.ts';
import { resolveSettings } from '../../src/gateway/settings.ts';
import { tempDir, textOf } from '../helpers/gateway-harness.ts';
import { chromiumMissing, launchChromium, openStatusPage, pageErrors, SHOWN_WITHIN_MS } from './helpers/browser.ts';
import { seededGateway, type SeededGateway } from './helpers/seed.ts';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/status-window/', import.meta.url));

describe('status window in a real Chromium', { skip: chromiumMissing() }, () => {
  let browser: Browser;
  let seed: SeededGateway;
  let page: Page;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    [browser, seed] = await Promise.all([launchChromium(), seededGateway()]);
    ({ page } = await openStatusPage(browser, seed.test.gateway));
  });
  after(async () => {
    await browser?.close();
    await seed?.close();
  });

  it('renders the real gateway state: clients, their projects and sessions, activity, handovers', async () => {
    const code = page.locator(`[data-client="${seed.ids.code}"]`);
    await code.locator('h2', { hasText: 'Claude Code' }).waitFor();
    assert.equal(await code.locator('select').inputValue(), 'linkedin');
    assert.equal(await code.locator('.badge').textContent(), 'idle 37 min');
    assert.match((await code.locator('.session').textContent())!, /linkedin.*3 calls.*recall_context.*Handover in 1 h 23 min/s);
    const desktop = page.locator(`[data-client="${seed.ids.desktop}"]`);
    assert.equal(await desktop.locator('.badge').textContent(), 'handover written');
    assert.equal(await desktop.locator('select').inputValue(), 'client-portal');
    assert.equal(await page.locator(`[data-client="${seed.ids.cursor}"] .badge`).textContent(), 'not connected yet');
    assert.equal(await page.locator('#address').textContent(), new URL(seed.test.gateway.baseUrl).host);
    assert.equal(await page.locator('#sync-line').textContent(), 'Sync not configured');

    await page.click('a[data-view="handovers"]');
    const handover = page.locator('details.handover').first();
    assert.match((await handover.locator('summary').textContent())!, /client-portal.*from Claude Desktop.*ended by the model/s);
    assert.deepEqual(await handover.locator('.handover-list li').allTextContents(), [
      'Wire the login page',
      'Add rate limits',
      'Use server-side sessions for the portal.',
      'api-auth v1 (always_check)',
    ]);

    await page.click('a[data-view="activity"]');
    assert.equal(await page.locator('.activity .row').first().getAttribute('data-tool'), 'recall_context');
    assert.deepEqual(pageErrors(page), [], 'no script or CSP errors');
  });

  it('a project change made in the page is what the MCP client then works on', async () => {
    await page.click('a[data-view="clients"]');
    const select = page.locator(`[data-client="${seed.ids.code}"] select`);
    await select.selectOption('home-lab');
    await page.locator('.toast', { hasText: 'Claude Code now works on home-lab' }).waitFor({ timeout: SHOWN_WITHIN_MS });
    const status = await seed.code.call('session_status');
    assert.equal(status.structuredContent?.project, 'home-lab');
    assert.match(textOf(status), /on "home-lab"/);
    // And the change is live in the page (the tray rebuilds from the same event).
    await page.waitForFunction(() => document.querySelector<HTMLSelectElement>('[data-client] select')?.value === 'home-lab', undefined, {
      timeout: SHOWN_WITHIN_MS,
    });
  });

  it('a tool call by an MCP client shows in the page without a reload, within a second', async () => {
    await page.evaluate(() => ((window as unknown as { marker: string }).marker = 'same document'));
    await page.click('a[data-view="activity"]');
    await seed.desktop.call('lock_context', { topic: 'login-flow', content: 'Passkeys first, password as fallback.', priority: 'important' });
    await page.locator('.activity .row', { hasText: 'locked login-flow v1' }).waitFor({ timeout: SHOWN_WITHIN_MS });
    await page.click('a[data-view="clients"]');
    await page.locator(`[data-client="${seed.ids.desktop}"] .badge`, { hasText: 'active' }).waitFor({ timeout: SHOWN_WITHIN_MS });
    assert.equal(await page.evaluate(() => (window as unknown as { marker?: string }).marker), 'same document', 'no reload happened');
  });

  it('"End session now" in the page writes the handover; it shows within a second', async () => {
    const desktop = page.locator(`[data-client="${seed.ids.desktop}"]`);
    await desktop.locator('button', { hasText: 'End session now' }).click();
    await desktop.locator('.badge', { hasText: 'handover written' }).waitFor({ timeout: SHOWN_WITHIN_MS });
    await page.click('a[data-view="handovers"]');
    await page.locator('details.handover summary', { hasText: 'ended from the app' }).waitFor({ timeout: SHOWN_WITHIN_MS });
    const handover = await seed.desktop.call('get_last_handover');
    assert.match(textOf(handover), /login-flow v1/);
  });

  it('screenshots of the main views at 1x and 2x, light and dark', { timeout: 60_000 }, async () => {
    const views = ['clients', 'projects', 'sync', 'handovers', 'activity', 'connect', 'settings'];
    for (const [scale, scheme] of [
      [1, 'light'],
      [2, 'light'],
      [1, 'dark'],
      [2, 'dark'],
    ] as const) {
      const { context, page: shot } = await openStatusPage(browser, seed.test.gateway, { scale, colorScheme: scheme });
      for (const view of views) {
        await shot.click(`a[data-view="${view}"]`);
        await shot.locator('main .view-header h1').waitFor();
        if (view === 'settings') await shot.locator('.settings-group').first().waitFor();
        await shot.screenshot({ path: join(ARTIFACTS, `${view}-${scheme}@${scale}x.png`) });
      }
      assert.deepEqual(pageErrors(shot), []);
      await context.close();
    }
  });

  it('a browser that is not signed in sees how to sign in, and no data', async () => {
    const context = await browser.newContext();
    const stranger = await context.newPage();
    await stranger.goto(seed.test.gateway.baseUrl);
    await stranger.locator('.empty h2', { hasText: 'This page is not signed in' }).waitFor();
    assert.equal(await stranger.locator('[data-client]').count(), 0);
    await context.close();
  });
});

describe('connect a client and empty states in Chromium', { skip: chromiumMissing() }, () => {
  let browser: Browser;
  let home: string;
  let test: { gateway: Gateway; stop(): Promise<void> };
  const savedHome = process.env.HOME;

  before(async () => {
    // The config writer edits files under the home folder: a temporary one here.
    home = join(ARTIFACTS, '..', `home-${process.pid}`);
    mkdirSync(home, { recursive: true });
    process.env.HOME = home;
    mkdirSync(ARTIFACTS, { recursive: true });
    // Sync configured against a Postgres that is not there: the "offline, changes waiting" state.
    const dataDir = tempDir();
    const settings = {
      ...resolveSettings({}, {}),
      port: 0,
      dataDir,
      pgUrl: 'postgres://app:pw@127.0.0.1:1/memory?sslmode=disable',
      apiKey: 'dk_test_0123456789abcdef',
    };
    const gateway = await Gateway.start({ settings, logger: silentLogger, writeRuntimeFile: false });
    test = { gateway, stop: async () => (await gateway.stop(), rmSync(dataDir, { recursive: true, force: true })) };
    browser = await launchChromium();
  });
  after(async () => {
    process.env.HOME = savedHome;
    await browser?.close();
    await test?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('empty states read well (screenshots), then Cursor is connected from the page and shows when it first connects', { timeout: 60_000 }, async () => {
    const { context, page } = await openStatusPage(browser, test.gateway);
    await page.locator('.empty h2', { hasText: 'No clients yet' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'empty-clients-light@1x.png') });
    await page.click('a[data-view="activity"]');
    await page.locator('.empty h2', { hasText: 'Quiet so far' }).waitFor();

    await page.click('a[data-view="connect"]');
    await page.click('.kind-tile[data-kind="cursor"]');
    await page.click('button[data-action="preview"]');
    const plan = page.locator('.card.plan');
    await plan.waitFor({ timeout: 5_000 });
    assert.match((await plan.locator('.file-line code').textContent())!, /\.cursor[\\/]mcp\.json$/);
    const diff = await plan.locator('.diff').textContent();
    assert.match(diff!, /\+.*"dementia"/);
    assert.match(diff!, new RegExp(`\\+.*${new URL(test.gateway.mcpUrl).host.replace('.', '\\.')}`));
    await page.screenshot({ path: join(ARTIFACTS, 'connect-plan-light@1x.png') });
    await plan.locator('button', { hasText: 'Write mcp.json' }).click();
    await plan.locator('.written').waitFor({ timeout: SHOWN_WITHIN_MS });
    await page.locator('#connect-state', { hasText: 'Waiting for Cursor to connect' }).waitFor();

    // The written file is what Cursor would read: its token connects, and the page sees it.
    const { readFileSync } = await import('node:fs');
    const written = JSON.parse(readFileSync(join(home, '.cursor', 'mcp.json'), 'utf8')) as {
      mcpServers: { dementia: { url: string; headers: { Authorization: string } } };
    };
    const entry = written.mcpServers.dementia;
    assert.equal(entry.url, test.gateway.mcpUrl);
    const { connectClient } = await import('../helpers/gateway-harness.ts');
    const cursor = await connectClient(new URL(entry.url), entry.headers.Authorization.replace(/^Bearer /, ''));
    await cursor.call('list_projects');
    await page.locator('#connect-state.is-connected', { hasText: 'Cursor is connected' }).waitFor({ timeout: SHOWN_WITHIN_MS });
    await page.screenshot({ path: join(ARTIFACTS, 'connect-connected-light@1x.png') });
    await cursor.call('create_project', { name: 'notes' });
    await cursor.call('lock_context', { topic: 'todo', content: 'Buy milk', project: 'notes' });
    await cursor.close();

    // Sync: offline with changes waiting, shown live; "Pause" pauses the engine.
    await page.click('a[data-view="sync"]');
    await page.locator('.sync-hero h2', { hasText: 'Offline' }).waitFor({ timeout: 5_000 });
    await page.locator('#sync-line', { hasText: /Offline · \d+ waiting/ }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'sync-offline-light@1x.png') });
    await page.locator('.sync-actions button', { hasText: 'Pause' }).click();
    await page.locator('.sync-hero h2', { hasText: 'Paused' }).waitFor({ timeout: SHOWN_WITHIN_MS });
    assert.equal(test.gateway.admin.status().sync.paused, true);
    assert.deepEqual(pageErrors(page), []);
    await context.close();
  });
});
