// Issue 14 item 1: the status page's browser session cannot be used from another port of
// 127.0.0.1 (browsers do not separate cookies by port), ends, can be signed out of, and is pruned.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../helpers/gateway-harness.ts';
import { chromiumMissing, launchChromium, openStatusPage, pageErrors } from '../renderer/helpers/browser.ts';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/security/', import.meta.url));
const HOUR = 60 * 60_000;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A curl-like request: any header, Host and Origin included. */
function send(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers }, setHost: false }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Another local web server (a dev server, a hostile process): it records what the browser sends it. */
async function otherLocalServer(): Promise<{ server: Server; port: number; cookies: string[] }> {
  const cookies: string[] = [];
  const server = createServer((req, res) => {
    if (req.headers.cookie) cookies.push(req.headers.cookie);
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>dev server</title><p>hello');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, cookies };
}

describe('the status page’s browser session', { skip: chromiumMissing() }, () => {
  let browser: Browser;
  let test: TestGateway;
  let port: number;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    [browser, test] = await Promise.all([launchChromium(), startTestGateway()]);
    port = test.gateway.port;
    test.addClient('Claude Code', { kind: 'claude-code' });
  });
  after(async () => {
    await browser?.close();
    await test?.stop({ remove: true });
  });

  const advance = (ms: number) => test.clock.set(test.clock.now() + ms);

  /** The page's session as its own requests carry it (cookie from the browser, key from the page). */
  async function sessionOf(context: BrowserContext, page: Page): Promise<Record<string, string>> {
    const cookie = (await context.cookies(test.gateway.baseUrl)).map((c) => `${c.name}=${c.value}`).join('; ');
    const key = await page.evaluate(() => Object.values(sessionStorage).join(''));
    return { cookie, 'x-dementia-admin': key };
  }

  it('a cookie stolen by another local server and replayed with a forged Origin opens nothing', async () => {
    const { context, page } = await openStatusPage(browser, test.gateway);
    const thief = await otherLocalServer();
    try {
      const visit = await context.newPage();
      await visit.goto(`http://127.0.0.1:${thief.port}/`);
      const stolen = thief.cookies.join('; ');
      assert.match(stolen, /dc_admin/, 'the browser did hand the cookie to the other port (this is what we defend against)');

      const forged = { cookie: stolen, origin: `http://127.0.0.1:${port}`, 'content-type': 'application/json' };
      const plan = await send(port, 'POST', '/api/connect/plan', forged, JSON.stringify({ kind: 'cursor' }));
      assert.equal(plan.status, 401, `no client token for the thief: ${plan.body}`);
      assert.doesNotMatch(plan.body, /dct_/);
      assert.equal((await send(port, 'GET', '/api/status', { cookie: stolen })).status, 401, 'nor the status');
      assert.equal((await send(port, 'GET', '/api/events', { cookie: stolen, origin: `http://127.0.0.1:${port}` })).status, 401, 'nor the live stream');
      assert.equal(test.gateway.services.clients.list().length, 1, 'no client was registered');

      // The page itself still works: it holds the rest of the session, which never left this origin.
      await page.locator('a[data-view="projects"]').click();
      await page.locator('#live.live-live').waitFor();
      const own = await sessionOf(context, page);
      assert.equal((await send(port, 'GET', '/api/status', own)).status, 200);
      assert.ok(!thief.cookies.join('').includes(own['x-dementia-admin']!), 'the page key never reached the other server');
      assert.deepEqual(pageErrors(page), []);
    } finally {
      await context.close();
      thief.server.close();
    }
  });

  it('a session ends after 12 idle hours and after 7 days in any case; the page then says it is signed out', async () => {
    const { context, page } = await openStatusPage(browser, test.gateway);
    try {
      let own = await sessionOf(context, page);
      advance(11 * HOUR);
      assert.equal((await send(port, 'GET', '/api/status', own)).status, 200, 'used within 12 hours: still signed in');
      advance(12 * HOUR + 60_000);
      assert.equal((await send(port, 'GET', '/api/status', own)).status, 401, '12 idle hours: ended');
      await page.reload();
      await page.locator('.empty h2', { hasText: 'This page is not signed in' }).waitFor();

      await page.goto(`${test.gateway.baseUrl}/auth?code=${test.gateway.admin.issueCode()}`);
      await page.locator('#live.live-live').waitFor();
      own = await sessionOf(context, page);
      let signedInFor = 0;
      while ((await send(port, 'GET', '/api/status', own)).status === 200) {
        advance(11 * HOUR);
        signedInFor += 11;
        assert.ok(signedInFor <= 8 * 24, 'it must end');
      }
      assert.ok(signedInFor >= 7 * 24 - 11 && signedInFor <= 7 * 24 + 11, `ended after about 7 days of use (${signedInFor} h)`);
    } finally {
      await context.close();
    }
  });

  it('"Sign out" in the window ends the session at once (screenshot)', async () => {
    const { context, page } = await openStatusPage(browser, test.gateway);
    try {
      const own = await sessionOf(context, page);
      const button = page.locator('#sign-out');
      assert.equal(await button.isVisible(), true, 'visible in the window');
      await page.screenshot({ path: join(ARTIFACTS, 'signed-in-with-sign-out.png') });
      await button.click();
      await page.locator('.empty h2', { hasText: 'You signed out' }).waitFor();
      await page.screenshot({ path: join(ARTIFACTS, 'signed-out.png') });
      assert.equal((await send(port, 'GET', '/api/status', own)).status, 401, 'the session is gone on the gateway');
      assert.equal((await context.cookies(test.gateway.baseUrl)).length, 0, 'and its cookie in the browser');
      await page.reload();
      await page.locator('.empty h2', { hasText: 'This page is not signed in' }).waitFor();
      assert.deepEqual(pageErrors(page), []);
    } finally {
      await context.close();
    }
  });

  it('the sign-in answer is the page itself: never cached, locked down by CSP, no referrer; a spent code signs nobody in', async () => {
    const code = test.gateway.admin.issueCode();
    const reply = await send(port, 'GET', `/auth?code=${code}`, {});
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['cache-control'], 'no-store');
    assert.match(String(reply.headers['content-security-policy']), /script-src 'self';.*frame-ancestors 'none'/);
    assert.equal(reply.headers['referrer-policy'], 'no-referrer');
    assert.match(String(reply.headers['set-cookie']), new RegExp(`^dc_admin_${port}=dcb_[\\w-]+; HttpOnly; SameSite=Strict; Path=/; Max-Age=604800$`));
    const again = await send(port, 'GET', `/auth?code=${code}`, {});
    assert.equal(again.status, 403);
    assert.equal(again.headers['set-cookie'], undefined);
  });

  it('sessions are pruned: at most 32 live at once, the least recently used go first', async () => {
    const signIn = async () => {
      const reply = await send(port, 'GET', `/auth?code=${test.gateway.admin.issueCode()}`, {});
      const cookie = String(reply.headers['set-cookie']).split(';')[0]!;
      const key = /name="dementia-admin-key" content="([^"]+)"/.exec(reply.body)![1]!;
      return { cookie, 'x-dementia-admin': key };
    };
    const first = await signIn();
    const kept = await signIn();
    for (let i = 0; i < 31; i++) {
      advance(1_000);
      assert.equal((await send(port, 'GET', '/api/status', kept)).status, 200); // keeps this one recently used
      await signIn();
    }
    assert.equal((await send(port, 'GET', '/api/status', first)).status, 401, 'the oldest unused session was dropped');
    assert.equal((await send(port, 'GET', '/api/status', kept)).status, 200, 'a session in use stays');
  });

  it('two gateways on two ports, signed in in one browser: each page keeps its own session', async () => {
    const other = await startTestGateway();
    try {
      const { context, page } = await openStatusPage(browser, test.gateway);
      const second = await context.newPage();
      await second.goto(`${other.gateway.baseUrl}/auth?code=${other.gateway.admin.issueCode()}`);
      await second.locator('#live.live-live').waitFor();
      await page.reload();
      await page.locator('#live.live-live').waitFor();
      assert.equal(await page.locator('.empty h2').count(), 0, 'the first page is still signed in');
      await context.close();
    } finally {
      await other.stop({ remove: true });
    }
  });
});
