// Status tells the truth about connections: a client that completed initialize (as `claude mcp
// list` does) is connected before its first tool call; once its sessions close it shows when it was
// last connected; counts go down as sessions close. Checked where the user reads it: the status
// window (real Chromium, screenshots), the tray menu (as data, from the gateway's own status) and
// `dementia status` (text and JSON) against `dementia serve`.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { buildTrayMenu, type TrayMenuItem } from '../../src/main/tray-menu.ts';
import { trayStateFrom } from '../../src/main/tray-state.ts';
import { cli, freePort, gatewayEnv, startServe } from '../clients/processes.ts';
import { connectClient, startTestGateway, tempDir, type ConnectedClient, type TestGateway } from '../helpers/gateway-harness.ts';
import { chromiumMissing, launchChromium, openStatusPage, pageErrors, SHOWN_WITHIN_MS } from './helpers/browser.ts';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/status-window/', import.meta.url));

const trayLine = (gateway: TestGateway['gateway'], name: string): string | undefined => {
  const menu = buildTrayMenu(trayStateFrom(gateway.admin.status(), { startAtLogin: false }));
  const item = menu.find((entry): entry is Extract<TrayMenuItem, { type: 'submenu' }> => entry.type === 'submenu' && entry.label.startsWith(`${name} — `));
  return item?.label;
};

describe('connections as they are: status window and tray', { skip: chromiumMissing() }, () => {
  let browser: Browser;
  let t: TestGateway;
  let page: Page;
  let cursorId: string;
  let token: string;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    [browser, t] = await Promise.all([launchChromium(), startTestGateway()]);
    ({ id: cursorId, token } = t.addClient('Cursor', { kind: 'cursor' }));
    ({ page } = await openStatusPage(browser, t.gateway));
  });
  after(async () => {
    await browser?.close();
    await t?.stop({ remove: true });
  });

  const card = () => page.locator(`[data-client="${cursorId}"]`);
  const subtitle = () => card().locator('.client-title p');

  it('initialize alone makes a client connected, with no tool call yet; counts follow sessions up and down', async () => {
    assert.equal(await card().locator('.badge').textContent(), 'not connected yet');
    assert.equal(trayLine(t.gateway, 'Cursor'), 'Cursor — no project · not connected yet');

    const first = await connectClient(t.url, token); // initialize + initialized, nothing else
    await card()
      .locator('.badge', { hasText: /^connected$/ })
      .waitFor({ timeout: SHOWN_WITHIN_MS });
    await subtitle().filter({ hasText: 'Cursor · 1 connection · last contact just now · no tool call yet' }).waitFor({ timeout: SHOWN_WITHIN_MS });
    assert.equal(trayLine(t.gateway, 'Cursor'), 'Cursor — no project · connected, no tool call yet');
    await page.screenshot({ path: join(ARTIFACTS, 'client-connected-no-call-light@1x.png') });

    const second = await connectClient(t.url, token);
    await subtitle().filter({ hasText: '2 connections' }).waitFor({ timeout: SHOWN_WITHIN_MS });
    await second.transport.terminateSession(); // a polite client: DELETE
    await subtitle().filter({ hasText: '1 connection ·' }).waitFor({ timeout: SHOWN_WITHIN_MS });

    // The other walks away without a word: its event stream ends, and a minute later (nothing came
    // since) the gateway lets the session go.
    const session = first.transport.sessionId;
    const live = () => t.gateway.endpoint.list().find((connection) => connection.id === session);
    assert.equal(live()?.openStreams, 1, 'the SDK client keeps a GET stream open');
    await first.close();
    while (live()?.openStreams !== 0) await new Promise((resolve) => setImmediate(resolve));
    t.clock.advanceMinutes(0.5);
    assert.equal(await t.gateway.endpoint.reapIdle(), 0, 'not after half a minute: it may be reconnecting its stream');
    t.clock.advanceMinutes(0.5);
    assert.equal(await t.gateway.endpoint.reapIdle(), 1);
    await card().locator('.badge', { hasText: 'not connected' }).waitFor({ timeout: SHOWN_WITHIN_MS });
    await subtitle().filter({ hasText: 'Cursor · last connected 1 min ago · no tool call yet' }).waitFor({ timeout: SHOWN_WITHIN_MS });
    assert.equal(trayLine(t.gateway, 'Cursor'), 'Cursor — no project · last connected 1 min ago, no tool call yet');
    await page.screenshot({ path: join(ARTIFACTS, 'client-last-connected-light@1x.png') });
    assert.deepEqual(pageErrors(page), []);
  });

  it('after a tool call the card tells the last call apart from the last contact', async () => {
    let client: ConnectedClient | undefined;
    try {
      client = await connectClient(t.url, token);
      await client.call('list_projects');
      t.clock.advanceMinutes(3);
      await client.call('list_projects'); // within the minute resolution of "last call": still 3 min
      await card()
        .locator('.badge', { hasText: /^connected$/ })
        .waitFor({ timeout: SHOWN_WITHIN_MS });
      assert.equal(trayLine(t.gateway, 'Cursor'), 'Cursor — no project · connected');
    } finally {
      await client?.transport.terminateSession();
      await client?.close();
    }
    await card().locator('.badge', { hasText: 'not connected' }).waitFor({ timeout: SHOWN_WITHIN_MS });
    await subtitle()
      .filter({ hasText: /Cursor · last connected just now · last call (just now|3 min ago)/ })
      .waitFor({ timeout: SHOWN_WITHIN_MS });
    assert.match(trayLine(t.gateway, 'Cursor')!, /^Cursor — no project · last connected just now$/);
  });
});

describe('connections as they are: dementia status against dementia serve', () => {
  it('says connected with no tool call yet, then when it was last connected', { timeout: 60_000 }, async () => {
    const dataDir = tempDir();
    const env = gatewayEnv(dataDir, await freePort());
    const served = await startServe(env);
    let client: ConnectedClient | undefined;
    try {
      const { token } = JSON.parse((await cli(['clients', 'add', 'Claude Code', '--kind', 'claude-code', '--json'], env)).stdout) as { token: string };
      client = await connectClient(served.url, token);
      const status = JSON.parse((await cli(['status', '--json'], env)).stdout) as {
        clients: { name: string; connections: number; lastContactAt: string | null; lastSeenAt: string | null; activityLabel: string }[];
      };
      const code = status.clients.find((c) => c.name === 'Claude Code')!;
      assert.equal(code.connections, 1);
      assert.equal(code.lastSeenAt, null, 'no tool call yet');
      assert.ok(code.lastContactAt && Date.now() - Date.parse(code.lastContactAt) < 60_000);
      assert.equal(code.activityLabel, 'connected, no tool call yet');
      assert.match(
        (await cli(['status'], env)).stdout,
        /Claude Code claude-code: project none, connected, no tool call yet, 1 connection \(last contact just now\)/,
      );

      await client.transport.terminateSession();
      await client.close();
      client = undefined;
      const after = JSON.parse((await cli(['status', '--json'], env)).stdout) as typeof status;
      assert.equal(after.clients[0]!.connections, 0);
      assert.match((await cli(['status'], env)).stdout, /Claude Code claude-code: project none, last connected just now, no tool call yet\n/);
    } finally {
      await client?.close();
      served.child.kill('SIGTERM');
      await served.exited;
    }
    // The gateway is gone: the store still knows when the client was last connected.
    assert.match((await cli(['status'], env)).stdout, /Claude Code claude-code: project none, last connected just now, no tool call yet\n/);
  });
});
