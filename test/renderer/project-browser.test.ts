// Issue 15.8 in a real Chromium: the Projects page browses a project's contexts (list, open one,
// its versions, archive and restore, by the same rules as the tools), and a headless gateway's
// Settings look and say read-only. Screenshots of every changed page, light and dark.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { adminAuth } from '../helpers/admin-auth.ts';
import { connectClient, startTestGateway, textOf, type ConnectedClient, type TestGateway } from '../helpers/gateway-harness.ts';
import { chromiumMissing, launchChromium, openStatusPage, pageErrors, SHOWN_WITHIN_MS } from './helpers/browser.ts';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/project-browser/', import.meta.url));

describe('the Projects page browses contexts, in Chromium', { skip: chromiumMissing() }, () => {
  let browser: Browser;
  let test: TestGateway;
  let mcp: ConnectedClient;
  let page: Page;
  let clientId: string;
  let admin: { authorization: string };
  const api = (path: string, body?: unknown) =>
    fetch(`${test.gateway.baseUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  /** Screenshots without the toasts that float over the page. */
  const shoot = async (target: Page, name: string) => {
    await target.evaluate(() => document.querySelectorAll('.toast').forEach((toast) => toast.remove()));
    await target.screenshot({ path: join(ARTIFACTS, name) });
  };

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    test = await startTestGateway();
    admin = await adminAuth(test.gateway);
    test.gateway.services.projects.create('linkedin');
    const added = test.addClient('Claude Code', { kind: 'claude-code' });
    clientId = added.id;
    mcp = await connectClient(test.url, added.token);
    await mcp.call('select_project_for_session', { project_name: 'linkedin' });
    await mcp.call('lock_context', { topic: 'api/auth', content: 'Tokens live in the vault.', priority: 'always_check', tags: ['security'] });
    await mcp.call('lock_context', { topic: 'api/auth', content: 'Tokens live in the vault; rotate them monthly.' });
    await mcp.call('lock_context', {
      topic: 'posting-schedule',
      content: 'Post Tuesday and Thursday at 9:00.',
      priority: 'important',
      tags: 'social, schedule',
    });
    await mcp.call('lock_context', { topic: 'notes', content: 'Try carousels.' });
    await mcp.call('lock_context', { topic: 'old-idea', content: 'Daily posts.' });
    await mcp.call('unlock_context', { topic: 'old-idea' });
    await mcp.call('end_session', { summary: 'Set the rules.', next_steps: ['Draft posts'] });
    test.clock.advanceMinutes(3);
    await mcp.call('recall_context', { topic: 'notes' });
    await api(`/api/clients/${clientId}/end-session`, {});
    browser = await launchChromium();
    ({ page } = await openStatusPage(browser, test.gateway, { view: 'projects' }));
  });
  after(async () => {
    await mcp?.close();
    await browser?.close();
    await test?.stop({ remove: true });
  });

  it("the admin API follows the tools' rules: always_check needs force; unknown projects and versions are clear errors", async () => {
    const refused = await api('/api/projects/linkedin/contexts/api%2Fauth/archive', { version: 2 });
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as { error: string }).error, /has priority always_check; nothing was archived\. Fix: Pass force: true/);
    assert.equal((await api('/api/projects/nope/contexts')).status, 404);
    assert.equal((await api('/api/projects/linkedin/contexts/api%2Fauth/archive', { version: 'some' })).status, 400);
    assert.equal((await api('/api/projects/linkedin/contexts/missing')).status, 404);
    const listing = (await (await api('/api/projects/linkedin/contexts')).json()) as {
      contexts: { label: string; versions: number }[];
      archivedOnly: { label: string }[];
    };
    assert.deepEqual(
      listing.contexts.map((c) => [c.label, c.versions]),
      [
        ['api/auth', 2],
        ['notes', 1],
        ['posting-schedule', 1],
      ],
    );
    assert.deepEqual(
      listing.archivedOnly.map((a) => a.label),
      ['old-idea'],
    );
  });

  it("lists a project's contexts and opens one with its versions", async () => {
    await page.locator('a.project-name', { hasText: 'linkedin' }).click();
    await page.waitForURL(/#projects\/linkedin$/);
    const rows = page.locator('table.contexts tbody tr');
    await rows.first().waitFor();
    assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.label)), ['api/auth', 'notes', 'posting-schedule']);
    assert.match((await rows.first().textContent())!, /api\/auth.*always_check.*security.*v2 · 2 live/s);
    await page.locator('table.archived tr[data-label="old-idea"]').waitFor();
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await shoot(page, `project-contexts-${scheme}@1x.png`);
    }
    await page.emulateMedia({ colorScheme: 'light' });

    await page.locator('a.context-label', { hasText: 'api/auth' }).click();
    await page.waitForURL(/#projects\/linkedin\/api%2Fauth$/);
    const versions = page.locator('article.version');
    await versions.first().waitFor();
    assert.deepEqual(await versions.evaluateAll((cards) => cards.map((card) => (card as HTMLElement).dataset.version)), ['2', '1']);
    assert.match((await versions.first().textContent())!, /v2.*latest.*always_check.*security.*rotate them monthly/s);
  });

  it('archiving an always_check version asks first, then archives it as unlock_context(force) would; restore brings it back', async () => {
    const v1 = page.locator('article.version[data-version="1"]');
    await v1.locator('button[data-action="archive"]').click();
    const confirm = v1.locator('.banner-warn');
    await confirm.waitFor();
    assert.match((await confirm.textContent())!, /always_check rule: clients check it before acting\. Archive it anyway\?/);
    assert.equal(test.gateway.services.contexts.versions('linkedin', 'api/auth').length, 2, 'nothing archived before "Archive anyway"');
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await shoot(page, `context-confirm-${scheme}@1x.png`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await confirm.locator('button[data-action="archive-anyway"]').click();
    await page.locator('.archived-version[data-version="1"]').waitFor({ timeout: SHOWN_WITHIN_MS });
    const recalled = await mcp.call('recall_context', { topic: 'api/auth', version: 1 });
    assert.equal(recalled.isError, true, 'the archived version is gone for the tools too');
    await shoot(page, 'context-archived-light@1x.png');

    await page.locator('.archived-version[data-version="1"] button[data-action="restore"]').click();
    await page.locator('article.version[data-version="1"]').waitFor({ timeout: SHOWN_WITHIN_MS });
    assert.match(textOf(await mcp.call('recall_context', { topic: 'api/auth', version: 1 })), /Tokens live in the vault\./);
  });

  it('archiving the only version of a reference context needs no confirmation; the project page lists it as archived, live', async () => {
    await page.goto(`${test.gateway.baseUrl}/#projects/linkedin/notes`);
    await page.locator('article.version[data-version="1"] button[data-action="archive"]').click();
    await page.locator('.banner-neutral', { hasText: 'Every version is archived' }).waitFor({ timeout: SHOWN_WITHIN_MS });
    assert.match(textOf(await mcp.call('search_contexts', { query: 'carousels' })), /No context in "linkedin" matches/);
    await page.locator('.crumbs a', { hasText: 'linkedin' }).click();
    await page.locator('table.archived tr[data-label="notes"]').waitFor();
    // A context locked by a client shows up without a reload.
    await mcp.call('lock_context', { topic: 'hashtags', content: 'At most three.' });
    await page.locator('table.contexts tr[data-label="hashtags"]').waitFor({ timeout: SHOWN_WITHIN_MS });
    assert.deepEqual(
      pageErrors(page).filter((error) => !/status of 400 \(Bad Request\)/.test(error)),
      [],
    );
  });

  it('screenshots: the projects list and the handovers (a session without work is marked), light and dark', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const { context, page: shot } = await openStatusPage(browser, test.gateway, { colorScheme: scheme, view: 'projects' });
      await shot.locator('a.project-name').first().waitFor();
      await shoot(shot, `projects-${scheme}@1x.png`);
      await shot.click('a[data-view="handovers"]');
      await shot.locator('.badge', { hasText: 'no work recorded' }).waitFor();
      assert.equal(await shot.locator('details.handover[open] .badge', { hasText: 'read next' }).count(), 1);
      await shoot(shot, `handovers-${scheme}@1x.png`);
      assert.deepEqual(pageErrors(shot), []);
      await context.close();
    }
  });

  it('headless Settings look and say read-only: values as text, no inputs, no buttons (importing memory still works)', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const { context, page: shot } = await openStatusPage(browser, test.gateway, { colorScheme: scheme, view: 'settings' });
      await shot.locator('[data-role="read-only"]', { hasText: /^Read-only here: the gateway runs headless/ }).waitFor();
      const settingsGroups = 'main .settings-group:not(.import-card)';
      assert.equal(
        await shot.locator(['input', 'select', 'textarea', 'button'].map((tag) => `${settingsGroups} ${tag}`).join(', ')).count(),
        0,
        'nothing that looks editable',
      );
      await shot.locator('#import-memory button', { hasText: 'Import memory…' }).waitFor();
      assert.ok((await shot.locator('main .readonly .badge', { hasText: 'read-only' }).count()) >= 4);
      assert.match((await shot.locator('.setting', { hasText: 'Port' }).textContent())!, /Set with --port or DEMENTIA_PORT/);
      await shoot(shot, `settings-headless-${scheme}@1x.png`);
      await context.close();
    }
  });
});
