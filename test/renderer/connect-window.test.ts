// Issue 15.2 in the status window, in a real Chromium: a preview never changes anything, an existing
// client name is reused (no "VS Code 2"), "Start over" never breaks a written config, and a new
// token is issued only after the page showed what stops working and the user ticked it.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { connectClient, startTestGateway, type TestGateway } from '../helpers/gateway-harness.ts';
import { chromiumMissing, launchChromium, openStatusPage, pageErrors, SHOWN_WITHIN_MS } from './helpers/browser.ts';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/connect-window/', import.meta.url));

describe('connect a client from the window, in Chromium', { skip: chromiumMissing() }, () => {
  let browser: Browser;
  let test: TestGateway;
  let page: Page;
  let home: string;
  const savedHome = process.env.HOME;
  const savedXdg = process.env.XDG_CONFIG_HOME;
  const names = () => test.gateway.services.clients.list().map((c) => `${c.name}:${c.kind}`);
  const tokenIn = (path: string, group: string) =>
    (JSON.parse(readFileSync(path, 'utf8'))[group].dementia.headers.Authorization as string).replace(/^Bearer /, '');
  const works = async (token: string) => {
    const c = await connectClient(test.url, token);
    try {
      return (await c.call('list_projects')).isError !== true;
    } finally {
      await c.close();
    }
  };

  /** A screenshot of the plan card without the toasts that may float over it. */
  const shoot = async (name: string) => {
    await page.evaluate(() => document.querySelectorAll('.toast').forEach((toast) => toast.remove()));
    await page.locator('.card.plan').screenshot({ path: join(ARTIFACTS, name) });
  };

  const preview = async (kind: string, name = '') => {
    await page.click(`.kind-tile[data-kind="${kind}"]`);
    await page.fill('input[name="name"]', name);
    await page.click('button[data-action="preview"]');
  };

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // The config writer edits files under the home folder: a temporary one here.
    home = join(ARTIFACTS, '..', `home-connect-${process.pid}`);
    mkdirSync(home, { recursive: true });
    process.env.HOME = home;
    process.env.XDG_CONFIG_HOME = join(home, '.config');
    test = await startTestGateway();
    test.gateway.services.projects.create('webshop');
    browser = await launchChromium();
    ({ page } = await openStatusPage(browser, test.gateway, { view: 'connect' }));
  });
  after(async () => {
    process.env.HOME = savedHome;
    if (savedXdg === undefined) delete process.env.XDG_CONFIG_HOME;
    else process.env.XDG_CONFIG_HOME = savedXdg;
    await browser?.close();
    await test?.stop({ remove: true });
    rmSync(home, { recursive: true, force: true });
  });

  it('writing Cursor, then "Start over" and a Claude Code preview with the name still typed: Cursor keeps working', async () => {
    await preview('cursor');
    const plan = page.locator('.card.plan');
    await plan.locator('[data-role="client-state"]', { hasText: 'new client' }).waitFor();
    assert.deepEqual(names(), [], 'a preview registers nothing');
    assert.match((await plan.locator('.diff').textContent())!, /Bearer <token issued when you write>/);
    await plan.locator('button[data-action="write"]').click();
    await plan.locator('[data-role="done"]', { hasText: 'Registered the client "Cursor" (cursor).' }).waitFor({ timeout: SHOWN_WITHIN_MS });
    const cursorFile = join(home, '.cursor', 'mcp.json');
    const cursorToken = tokenIn(cursorFile, 'mcpServers');
    assert.ok(await works(cursorToken));

    await plan.locator('button[data-action="start-over"]').click();
    await plan.waitFor({ state: 'detached' });
    assert.deepEqual(names(), ['Cursor:cursor'], '"Start over" removes no client');
    await page.click('.kind-tile[data-kind="claude-code"]');
    await page.fill('input[name="name"]', 'Cursor');
    await page.click('button[data-action="preview"]');
    await page.locator('.toast', { hasText: 'A client named "Cursor" already exists and is a cursor client' }).waitFor({ timeout: SHOWN_WITHIN_MS });
    assert.deepEqual(names(), ['Cursor:cursor'], 'kind unchanged');
    assert.ok(await works(cursorToken), 'the written Cursor config still connects');
    assert.equal(tokenIn(cursorFile, 'mcpServers'), cursorToken);
  });

  it('choosing an existing name ("VS Code") reuses it with its working token: no "VS Code 2", no diff', async () => {
    await preview('vscode');
    const plan = page.locator('.card.plan');
    await plan.locator('button[data-action="write"]').click();
    await plan.locator('[data-role="done"]').waitFor({ timeout: SHOWN_WITHIN_MS });
    const vscodeFile = join(home, '.config', 'Code', 'User', 'mcp.json');
    const token = tokenIn(vscodeFile, 'servers');
    await plan.locator('button[data-action="start-over"]').click();

    await preview('vscode', 'VS Code');
    await plan.locator('[data-role="client-state"]', { hasText: 'existing client' }).waitFor();
    await plan.locator('.badge', { hasText: 'already configured' }).waitFor();
    assert.match(
      (await plan.locator('.plan-effects').textContent())!,
      /Uses the current token of "VS Code", found in ~\/\.config\/Code\/User\/mcp\.json: nothing that works now stops working\./,
    );
    assert.equal(await plan.locator('.diff').count(), 0, 'the file already says this');
    assert.equal(await plan.locator('button[data-action="write"]').count(), 0);
    await shoot('existing-client-light@1x.png');
    assert.deepEqual(names(), ['Cursor:cursor', 'VS Code:vscode']);
    assert.ok(await works(token));
  });

  it('a new token only after the page said what stops working and the user ticked it', async () => {
    rmSync(join(home, '.config', 'Code', 'User', 'mcp.json')); // its token now lives nowhere this app can read
    const before = test.gateway.services.clients.byName('VS Code')!;
    await page.locator('button[data-action="start-over"]').click();
    await preview('vscode', 'VS Code');
    const plan = page.locator('.card.plan');
    const warning = plan.locator('.banner-warn');
    await warning.waitFor();
    assert.match(
      (await warning.textContent())!,
      /"VS Code" already has a token, and none of the configs this app can read holds it .* Writing issues a new token: the current one stops working wherever "VS Code" is still configured with it\./,
    );
    const write = plan.locator('button[data-action="write"]');
    assert.equal(await write.isDisabled(), true, 'writing waits for consent');
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await shoot(`rotation-warning-${scheme}@1x.png`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await plan.locator('input[name="confirmRotate"]').check();
    await write.click();
    await plan
      .locator('[data-role="done"]', { hasText: 'Issued a new token for "VS Code"; its old token stopped working.' })
      .waitFor({ timeout: SHOWN_WITHIN_MS });
    const after = test.gateway.services.clients.byName('VS Code')!;
    assert.equal(after.id, before.id, 'the same client');
    assert.ok(await works(tokenIn(join(home, '.config', 'Code', 'User', 'mcp.json'), 'servers')));
  });

  it('Claude Code (a command): registering shows the command with its real token only after the user asks', async () => {
    await page.locator('button[data-action="start-over"]').click();
    await preview('claude-code');
    const plan = page.locator('.card.plan');
    const command = plan.locator('.plan-command pre');
    assert.match((await command.textContent())!, /--scope user dementia .*Bearer <token issued when you write>/);
    assert.equal(await plan.locator('button', { hasText: 'Copy command' }).count(), 0, 'nothing to copy yet');
    assert.deepEqual(names(), ['Cursor:cursor', 'VS Code:vscode']);
    await plan.locator('button[data-action="issue"]', { hasText: 'Register Claude Code' }).click();
    await plan.locator('[data-role="done"]', { hasText: 'Registered the client "Claude Code"' }).waitFor({ timeout: SHOWN_WITHIN_MS });
    await page.locator('#connect-state', { hasText: 'Waiting for Claude Code to connect' }).waitFor();
    await plan.locator('button', { hasText: 'Copy command' }).waitFor();
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await shoot(`command-issued-${scheme}@1x.png`);
    }
    const token = /Bearer (dct_[\w-]+)/.exec((await command.textContent())!)?.[1];
    assert.ok(token && (await works(token)), "the command's token connects");
    await page.locator('#connect-state.is-connected', { hasText: 'Claude Code is connected' }).waitFor({ timeout: SHOWN_WITHIN_MS });
    // The one refused request (the kind mismatch above) is the only thing the console reports.
    assert.deepEqual(
      pageErrors(page).filter((error) => !/status of 400 \(Bad Request\)/.test(error)),
      [],
    );
  });

  it('Claude Code already has the server (user scope): "already configured", no command to run again (issue 21.4)', async () => {
    const token = /Bearer (dct_[\w-]+)/.exec((await page.locator('.card.plan .plan-command pre').textContent())!)![1]!;
    // What running that command left in ~/.claude.json.
    writeFileSync(
      join(home, '.claude.json'),
      JSON.stringify({ mcpServers: { dementia: { type: 'http', url: test.gateway.mcpUrl, headers: { Authorization: `Bearer ${token}` } } } }),
    );
    await page.locator('button[data-action="start-over"]').click();
    await preview('claude-code');
    const plan = page.locator('.card.plan');
    await plan.locator('[data-role="already-configured"]', { hasText: 'already configured, nothing to run' }).waitFor({ timeout: SHOWN_WITHIN_MS });
    assert.equal(await plan.locator('.plan-command').count(), 0, 'no command that would fail with "already exists"');
    assert.equal(await plan.locator('button', { hasText: 'Copy command' }).count(), 0, 'nothing to copy and run');
    await shoot('command-already-configured-light@1x.png');
    rmSync(join(home, '.claude.json'));
  });
});
