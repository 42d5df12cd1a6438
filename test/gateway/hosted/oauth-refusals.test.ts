import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromiumMissing } from '../../renderer/helpers/browser.ts';
import { FlakyLink } from '../../helpers/postgres.ts';
import { interceptRedirect, mcpRequest, postgresAndBrowser, startAuthServer, type AuthServer } from './oauth-harness.ts';
import { authorizationUrl, CookieJar, locationOf, openSignInPage, pkce, register, signInByHand, tokenRequest, visit, type Registration } from './oauth-raw.ts';

const shared = postgresAndBrowser();

const REDIRECT = 'http://127.0.0.1:7000/cb';

interface Tokens {
  access_token: string;
  refresh_token: string;
}

describe('hosted OAuth refuses what the MCP authorization spec refuses', { skip: chromiumMissing(), timeout: 180_000 }, () => {
  let server: AuthServer;
  let link: FlakyLink;
  let database: string;
  let alice: { apiKey: string; tenant: string };
  let client: Registration;

  /** A signed-in client of alice's: code exchanged for tokens (the SDK's flow, by hand). */
  async function signIn(apiKey = alice.apiKey, registration = client): Promise<Tokens> {
    const { verifier, challenge } = pkce();
    const answer = await signInByHand(
      server.publicUrl,
      { clientId: registration.client_id, redirectUri: REDIRECT, challenge, method: 'S256', resource: server.mcpUrl.href },
      apiKey,
    );
    const exchanged = await exchange(answer.code!, verifier, registration);
    assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
    return exchanged.body as unknown as Tokens;
  }
  const exchange = (code: string, verifier: string, registration = client) =>
    tokenRequest(server.publicUrl, {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      client_id: registration.client_id,
    });
  const refresh = (refreshToken: string) =>
    tokenRequest(server.publicUrl, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: client.client_id });

  before(async () => {
    database = await shared.pg.createDatabase('oauth_refusals');
    link = new FlakyLink(shared.pg.port);
    await link.up();
    server = await startAuthServer(shared.pg, database, { pgUrl: shared.pg.url(database).replace(`:${shared.pg.port}/`, `:${link.port}/`) });
    const added = await server.tenants.add({ label: 'alice' });
    alice = { apiKey: added.apiKey, tenant: added.tenant.schema };
    client = await register(server.publicUrl, { client_name: 'Cursor', redirect_uris: [REDIRECT] });
  });
  after(async () => {
    await server.close();
    await link.down();
  });

  it("PKCE is required and S256 only: plain or no challenge is refused on the server's own page (no redirect before sign-in)", async () => {
    const { verifier } = pkce();
    for (const [label, params] of [
      ['plain', { challenge: verifier, method: 'plain' }],
      ['missing', {}],
    ] as const) {
      const response = await visit(authorizationUrl(server.publicUrl, { clientId: client.client_id, redirectUri: REDIRECT, ...params }), new CookieJar());
      assert.equal(response.status, 400, label);
      assert.equal(response.headers.get('location'), null, `${label}: not redirected`);
      assert.match(await response.text(), /PKCE|code_challenge/, label);
    }
  });

  it('a wrong code_verifier is refused', async () => {
    const { challenge } = pkce();
    const answer = await signInByHand(server.publicUrl, { clientId: client.client_id, redirectUri: REDIRECT, challenge, method: 'S256' }, alice.apiKey);
    const refused = await exchange(answer.code!, pkce().verifier);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'invalid_grant');
    assert.equal(refused.body.access_token, undefined);
  });

  it('a code is short-lived and works once; its reuse also revokes what it gave', async () => {
    const { verifier, challenge } = pkce();
    const answer = await signInByHand(server.publicUrl, { clientId: client.client_id, redirectUri: REDIRECT, challenge, method: 'S256' }, alice.apiKey);
    const lifetime = await server.pool.query<{ seconds: number }>(
      `SELECT extract(epoch FROM expires_at - now())::float AS seconds FROM dementia_hosted.oauth_state WHERE kind = 'AuthorizationCode' ORDER BY expires_at DESC LIMIT 1`,
    );
    assert.ok(lifetime.rows[0]!.seconds <= 60 && lifetime.rows[0]!.seconds > 0, `codes live 60 s at most (${lifetime.rows[0]!.seconds})`);
    const first = await exchange(answer.code!, verifier);
    assert.equal(first.status, 200);
    assert.equal((await mcpRequest(server, first.body.access_token)).status, 200);
    const second = await exchange(answer.code!, verifier);
    assert.equal(second.status, 400);
    assert.equal(second.body.error, 'invalid_grant');
    assert.equal((await mcpRequest(server, first.body.access_token)).status, 401, 'the tokens of a replayed code are revoked');
  });

  it('a redirect URI that was not registered gets an error page, never a redirect', async () => {
    for (const redirectUri of ['http://127.0.0.1:7000/other', 'http://127.0.0.1:7000/cb/', 'http://127.0.0.1:7000/cb?x=1', 'https://evil.example/cb']) {
      const response = await visit(authorizationUrl(server.publicUrl, { clientId: client.client_id, redirectUri, ...pkceParams() }), new CookieJar());
      assert.equal(response.status, 400, redirectUri);
      assert.equal(response.headers.get('location'), null, `${redirectUri}: no redirect`);
      const page = await response.text();
      assert.match(page, /did not register/, redirectUri);
      assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    }
  });

  it("tokens for another resource: not issued here, and another deployment's tokens (same database) are refused", async () => {
    const response = await visit(
      authorizationUrl(server.publicUrl, { clientId: client.client_id, redirectUri: REDIRECT, resource: 'https://elsewhere.example/mcp', ...pkceParams() }),
      new CookieJar(),
    );
    assert.equal(response.status, 400);
    assert.match(await response.text(), /only issues tokens for/);

    const other = await startAuthServer(shared.pg, database);
    try {
      const otherClient = await register(other.publicUrl, { client_name: 'Cursor', redirect_uris: [REDIRECT] });
      const { verifier, challenge } = pkce();
      const answer = await signInByHand(other.publicUrl, { clientId: otherClient.client_id, redirectUri: REDIRECT, challenge, method: 'S256' }, alice.apiKey);
      const tokens = await tokenRequest(other.publicUrl, {
        grant_type: 'authorization_code',
        code: answer.code!,
        code_verifier: verifier,
        redirect_uri: REDIRECT,
        client_id: otherClient.client_id,
      });
      assert.equal((await mcpRequest(other, tokens.body.access_token)).status, 200, 'good where it was issued');
      const refused = await mcpRequest(server, tokens.body.access_token);
      assert.equal(refused.status, 401);
      assert.match(refused.challenge ?? '', /invalid_token/);
      assert.match(refused.challenge ?? '', /not issued for this resource/);
    } finally {
      await other.close();
    }
  });

  it('an expired access token is refused with the challenge; its refresh token still gets a new one', async () => {
    const tokens = await signIn();
    assert.equal((await mcpRequest(server, tokens.access_token)).status, 200);
    server.clock.advanceMinutes(12 * 60 + 1);
    const expired = await mcpRequest(server, tokens.access_token);
    assert.equal(expired.status, 401);
    assert.match(expired.challenge ?? '', /error="invalid_token"/);
    assert.match(expired.challenge ?? '', /expired/);
    assert.match(expired.challenge ?? '', /resource_metadata="/);
    server.clock.set(Date.now());
    const renewed = await refresh(tokens.refresh_token);
    assert.equal(renewed.status, 200);
    assert.equal((await mcpRequest(server, renewed.body.access_token)).status, 200);
  });

  it('missing, malformed and unknown tokens get the 401 challenge', async () => {
    for (const token of [undefined, '', 'not-a-token', 'x'.repeat(43)]) {
      const refused = await mcpRequest(server, token);
      assert.equal(refused.status, 401, String(token));
      assert.match(refused.challenge ?? '', /^Bearer .*resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"/);
    }
  });

  it('a client the operator revokes is refused at once and cannot refresh; a removed tenant likewise', async () => {
    const tokens = await signIn();
    assert.equal((await mcpRequest(server, tokens.access_token)).status, 200);
    const [signedIn] = await server.clients.list(alice.tenant);
    await server.clients.revoke(alice.tenant, signedIn!.id);
    const refused = await mcpRequest(server, tokens.access_token);
    assert.equal(refused.status, 401);
    assert.match(refused.challenge ?? '', /revoked/);
    const renewed = await refresh(tokens.refresh_token);
    assert.equal(renewed.status, 400);
    assert.equal(renewed.body.error, 'invalid_grant');

    const carol = await server.tenants.add({ label: 'carol' });
    const carolTokens = await signIn(carol.apiKey);
    assert.equal((await mcpRequest(server, carolTokens.access_token)).status, 200);
    await server.tenants.remove(carol.tenant.schema);
    assert.equal((await mcpRequest(server, carolTokens.access_token)).status, 401);
    assert.equal((await refresh(carolTokens.refresh_token)).status, 400);
  });

  it('a client can revoke its own token (RFC 7009)', async () => {
    const tokens = await signIn();
    const response = await fetch(new URL('/oauth/revoke', server.publicUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.access_token, client_id: client.client_id }),
    });
    assert.equal(response.status, 200);
    assert.equal((await mcpRequest(server, tokens.access_token)).status, 401);
  });

  it('a wrong API key: the page says so, nothing is issued; the right key then works', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const codesBefore = await count(`kind = 'AuthorizationCode'`);
      const clientsBefore = (await server.clients.list(alice.tenant)).length;
      const context = await shared.browser.newContext({ colorScheme, viewport: { width: 900, height: 820 } });
      const page = await context.newPage();
      const url = authorizationUrl(server.publicUrl, { clientId: client.client_id, redirectUri: REDIRECT, ...pkceParams() });
      await page.goto(url.href);
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Connect Cursor', 'the page names the client that asks');
      assert.match(await page.locator('.requester').innerText(), /Returns you to http:\/\/127\.0\.0\.1:7000/, 'and where it goes back to');
      await page.getByLabel('API key').fill('dmk_this-is-not-a-registered-key');
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.getByRole('alert').waitFor();
      assert.match(await page.getByRole('alert').innerText(), /That API key is not registered on this server/);
      assert.equal(await page.getByLabel('API key').inputValue(), '', 'the wrong key is not echoed back');
      await page.screenshot({ path: `test-artifacts/oauth-wrong-key-${colorScheme}.png` });
      assert.equal(await count(`kind = 'AuthorizationCode'`), codesBefore, 'no code issued');
      assert.equal((await server.clients.list(alice.tenant)).length, clientsBefore, 'no client created');

      const arrived = interceptRedirect(page, REDIRECT);
      await page.getByLabel('API key').fill(alice.apiKey);
      await page.getByRole('button', { name: 'Allow' }).click();
      assert.ok((await arrived).code, 'the same page accepts the right key');
      await context.close();
    }
  });

  it('the sign-in page: strict CSP without any script; the form is refused from another site or without its cookie', async () => {
    const { signInUrl, jar } = await openSignInPage(server.publicUrl, { name: 'Cursor', redirectUri: REDIRECT });
    const page = await visit(signInUrl, jar);
    assert.equal(page.status, 200);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /form-action 'self' http:\/\/127\.0\.0\.1:7000(;|$)/, 'the form may only lead here and, through the redirects, to the registered client');
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /script-src|unsafe/);
    assert.doesNotMatch(await page.text(), /<script/i);

    const post = (headers: Record<string, string>) =>
      fetch(signInUrl, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ api_key: alice.apiKey }),
      });
    const foreign = await post({ cookie: jar.header(), origin: 'https://evil.example' });
    assert.equal(foreign.status, 403);
    const cookieless = await post({ origin: server.publicUrl.origin });
    assert.equal(cookieless.status, 400);
    assert.match(await cookieless.text(), /expired, was already used, or was opened in another browser/);
    assert.equal((await post({ cookie: jar.header(), origin: server.publicUrl.origin })).status, 303, "the page's own form goes through");
  });

  it('Postgres unreachable: a recently verified token still reaches the tool call, others get a clear 503, the sign-in page says why; all recovers', async () => {
    const recent = await signIn();
    const unseen = await signIn();
    assert.equal((await mcpRequest(server, recent.access_token)).status, 200);
    const context = await shared.browser.newContext({ viewport: { width: 900, height: 820 } });
    const page = await context.newPage();
    await page.goto(authorizationUrl(server.publicUrl, { clientId: client.client_id, redirectUri: REDIRECT, ...pkceParams() }).href);

    await link.down();
    try {
      assert.equal((await mcpRequest(server, recent.access_token)).status, 200, 'verified a moment ago: the tool call itself reports the outage');
      const refused = await mcpRequest(server, unseen.access_token);
      assert.equal(refused.status, 503);
      assert.equal((refused.body as { error: string }).error, 'temporarily_unavailable');
      assert.match((refused.body as { error_description: string }).error_description, /memory store \(Postgres\) cannot be reached/);
      server.clock.advanceMinutes(11);
      assert.equal((await mcpRequest(server, recent.access_token)).status, 503, 'not verified for too long');

      await page.getByLabel('API key').fill(alice.apiKey);
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.getByRole('alert').waitFor();
      assert.match(await page.getByRole('alert').innerText(), /cannot be reached right now; nothing was saved/);
      await page.screenshot({ path: 'test-artifacts/oauth-store-down.png' });

      const start = await visit(authorizationUrl(server.publicUrl, { clientId: client.client_id, redirectUri: REDIRECT, ...pkceParams() }), new CookieJar());
      assert.equal(start.status, 503);
      assert.match(await start.text(), /cannot be reached right now/);
    } finally {
      await link.up();
      server.clock.set(Date.now());
    }
    assert.equal((await mcpRequest(server, unseen.access_token)).status, 200, 'recovers by itself');
    await page.goBack();
    const arrived = interceptRedirect(page, REDIRECT);
    await page.getByLabel('API key').fill(alice.apiKey);
    await page.getByRole('button', { name: 'Allow' }).click();
    assert.ok((await arrived).code, 'the same sign-in page works once the store is back');
    await context.close();
  });

  const count = async (where: string) =>
    Number((await server.pool.query<{ n: string }>(`SELECT count(*) AS n FROM dementia_hosted.oauth_state WHERE ${where}`)).rows[0]!.n);
});

function pkceParams(): { challenge: string; method: string } {
  return { challenge: pkce().challenge, method: 'S256' };
}

describe('hosted OAuth: sign-in attempts are rate-limited', { timeout: 120_000 }, () => {
  let plain: AuthServer;
  let proxied: AuthServer;
  let apiKey: string;
  let client: Registration;

  before(async () => {
    const database = await shared.pg.createDatabase('oauth_limits');
    plain = await startAuthServer(shared.pg, database);
    // The same deployment behind one trusted reverse proxy.
    proxied = await startAuthServer(shared.pg, database, { publicUrl: plain.publicUrl, trustedProxies: 1 });
    apiKey = (await plain.tenants.add()).apiKey;
    client = await register(plain.publicUrl, { client_name: 'Cursor', redirect_uris: [REDIRECT] });
  });
  after(async () => {
    await plain.close();
    await proxied.close();
  });

  /** Opens a sign-in page (on `on`, as a load balancer would send it there) and returns a way to answer it. */
  async function openSignIn(on: AuthServer, headers: Record<string, string> = {}) {
    const jar = new CookieJar();
    const signInUrl = locationOf(
      await visit(authorizationUrl(plain.publicUrl, { clientId: client.client_id, redirectUri: REDIRECT, ...pkceParams() }), jar),
      new URL(`http://127.0.0.1:${on.port}`),
    );
    return async (key: string): Promise<{ status: number; text: string }> => {
      const response = await fetch(signInUrl, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: jar.header(), origin: plain.publicUrl.origin, 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ api_key: key }),
      });
      return { status: response.status, text: await response.text() };
    };
  }

  it('per sign-in page: five wrong keys, then even the right one is refused there', async () => {
    const answer = await openSignIn(plain);
    for (let attempt = 1; attempt <= 5; attempt++) assert.equal((await answer(`wrong-${attempt}`)).status, 403, `attempt ${attempt}`);
    const blocked = await answer(apiKey);
    assert.equal(blocked.status, 429);
    assert.match(blocked.text, /Too many failed sign-ins on this page/);
  });

  it('per address: ten failures in 15 minutes block the address on every page; X-Forwarded-For is ignored unless a proxy is trusted; the window ends', async () => {
    // 6 attempts counted so far from 127.0.0.1 (the previous test); 4 more failures reach the limit.
    const page = await openSignIn(plain);
    for (let attempt = 1; attempt <= 4; attempt++) assert.equal((await page(`wrong-${attempt}`)).status, 403);
    const fresh = await openSignIn(plain, { 'x-forwarded-for': '203.0.113.9' });
    const blocked = await fresh(apiKey);
    assert.equal(blocked.status, 429, 'a spoofed X-Forwarded-For does not escape the limit');
    assert.match(blocked.text, /Too many failed sign-ins from your address\. Try again in 15 minutes\./);

    // Behind the trusted proxy, the address is the one the proxy saw: another user is not blocked.
    const viaProxy = await openSignIn(proxied, { 'x-forwarded-for': '198.51.100.1, 198.51.100.2' });
    assert.equal((await viaProxy(apiKey)).status, 303);
    for (let attempt = 1; attempt <= 11; attempt++) await (await openSignIn(proxied, { 'x-forwarded-for': '198.51.100.7' }))(`wrong-${attempt}`);
    assert.equal((await (await openSignIn(proxied, { 'x-forwarded-for': '198.51.100.7' }))(apiKey)).status, 429);
    assert.equal((await (await openSignIn(proxied, { 'x-forwarded-for': 'spoofed, 198.51.100.8' }))(apiKey)).status, 303, "only the proxy's entry counts");

    plain.clock.advanceMinutes(16);
    assert.equal((await (await openSignIn(plain))(apiKey)).status, 303, 'the window ended');
  });
});
