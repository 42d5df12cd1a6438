import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { ManualClock } from '../../src/gateway/clock.ts';
import { disposeSharedPostgres, sharedPostgres } from '../helpers/postgres.ts';
import { hostedSide } from '../gateway/hosted/hosted-side.ts';
import { settle, startMachine } from '../sync/sync-harness.ts';
import { chromiumMissing, launchChromium, openStatusPage, pageErrors } from './helpers/browser.ts';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/status-window/', import.meta.url));

describe("status window: the tenant's clients on the hosted server", { skip: chromiumMissing(), timeout: 60_000 }, () => {
  let browser: Browser;
  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await disposeSharedPostgres();
  });

  it('lists claude.ai with its open work session next to the local clients, read-only', async () => {
    const server = await sharedPostgres();
    const database = await server.createDatabase('remote_window');
    const apiKey = `remote-window-${process.pid}-${'w'.repeat(16)}`;
    const clock = new ManualClock();
    const desktop = await startMachine({ pgUrl: server.url(database), apiKey, clock });
    const hosted = await hostedSide(server.url(database), apiKey, clock);
    try {
      await hosted.ok('create_project', { name: 'innkeeper' });
      await hosted.ok('lock_context', { project: 'innkeeper', topic: 'menu', content: 'Soup of the day' });
      await desktop.ok('create_project', { name: 'linkedin' });
      await desktop.ok('select_project_for_session', { project_name: 'linkedin' });
      await settle(desktop);
      for (const colorScheme of ['light', 'dark'] as const) {
        const { context, page } = await openStatusPage(browser, desktop.gateway, { colorScheme });
        const card = page.locator(`[data-remote-client="${hosted.caller.client.id}"]`);
        await card.waitFor();
        assert.equal(await card.locator('h2').textContent(), 'claude.ai');
        assert.match((await card.locator('.session').textContent())!, /claude\.ai · innkeeper · active/);
        assert.equal(await card.locator('select').count(), 0, "a hosted client's project is not changed from the desktop");
        assert.equal(await page.locator('.remote-clients > h2').textContent(), 'On the hosted server');
        assert.ok((await page.locator('[data-client] h2', { hasText: 'Claude Code' }).count()) === 1, 'the local client is there too');
        await page.screenshot({ path: `${ARTIFACTS}remote-clients-${colorScheme}.png`, fullPage: true });
        assert.deepEqual(pageErrors(page), []);
        await context.close();
      }
    } finally {
      await desktop.stop({ remove: true });
      await hosted.close();
    }
  });
});
