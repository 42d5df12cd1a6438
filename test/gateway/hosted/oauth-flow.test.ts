import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { auth } from '@modelcontextprotocol/client';
import { chromiumMissing } from '../../renderer/helpers/browser.ts';
import { freePort } from '../../helpers/postgres.ts';
import { connectWithOAuth, mcpRequest, postgresAndBrowser, startAuthServer, TestOAuthClient, whoami, type AuthServer } from './oauth-harness.ts';
import { pkce, register, signInByHand, tokenRequest, type Registration } from './oauth-raw.ts';

const shared = postgresAndBrowser();
const TLS = new URL('../../fixtures/tls/', import.meta.url);

const CLAUDE_CALLBACK = 'https://claude.ai/api/mcp/auth_callback';

/** The rows of a tenant's clients table, as the desktop and the operator see them. */
async function clientRows(server: AuthServer, tenant: string): Promise<{ id: string; name: string; client_key: string }[]> {
  return (await server.pool.query<{ id: string; name: string; client_key: string }>(`SELECT id, name, client_key FROM "${tenant}".clients ORDER BY created_at`))
    .rows;
}

describe('hosted OAuth: clients sign in with the SDK and the sign-in page', { skip: chromiumMissing(), timeout: 180_000 }, () => {
  let server: AuthServer;
  let alice: { apiKey: string; tenant: string };
  let bob: { apiKey: string; tenant: string };
  let cimd: HttpsServer;
  let cimdUrl: string;
  const secrets: string[] = [];

  before(async () => {
    // A client ID metadata document on an https host the test controls (see HostedAuthDeps.testCimdCa).
    const cimdPort = await freePort();
    cimdUrl = `https://localhost:${cimdPort}/oauth/claude-code.json`;
    cimd = createHttpsServer({ key: readFileSync(new URL('localhost-key.pem', TLS)), cert: readFileSync(new URL('localhost-cert.pem', TLS)) }, (req, res) => {
      if (req.url !== '/oauth/claude-code.json') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          client_id: cimdUrl,
          // As Claude Code's (https://claude.ai/oauth/claude-code-client-metadata): loopback redirect
          // URIs without a port and no application_type; the app listens on an ephemeral port.
          client_name: 'Claude Code',
          redirect_uris: ['http://localhost/callback', 'http://127.0.0.1/callback'],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'none',
        }),
      );
    });
    await new Promise<void>((resolve) => cimd.listen(cimdPort, '127.0.0.1', () => resolve()));
    server = await startAuthServer(shared.pg, await shared.pg.createDatabase('oauth_flow'), { testCimdCa: readFileSync(new URL('ca.pem', TLS), 'utf8') });
    const a = await server.tenants.add({ label: 'alice' });
    const b = await server.tenants.add({ label: 'bob' });
    alice = { apiKey: a.apiKey, tenant: a.tenant.schema };
    bob = { apiKey: b.apiKey, tenant: b.tenant.schema };
    secrets.push(alice.apiKey, bob.apiKey);
  });
  after(async () => {
    await server.close();
    await new Promise<void>((resolve) => cimd.close(() => resolve()));
  });

  it('discovery: a 401 names the protected resource metadata, which names this authorization server and its metadata', async () => {
    const refused = await mcpRequest(server, undefined);
    assert.equal(refused.status, 401);
    const prmUrl = `${server.publicUrl.origin}/.well-known/oauth-protected-resource/mcp`;
    assert.match(refused.challenge ?? '', /^Bearer /);
    assert.ok(refused.challenge!.includes(`resource_metadata="${prmUrl}"`), refused.challenge!);

    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const prm = (await (await fetch(new URL(path, server.publicUrl))).json()) as Record<string, unknown>;
      assert.equal(prm.resource, server.mcpUrl.href, path);
      assert.deepEqual(prm.authorization_servers, [server.publicUrl.origin], path);
      assert.deepEqual(prm.scopes_supported, ['mcp'], path);
    }
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const as = (await (await fetch(new URL(path, server.publicUrl))).json()) as Record<string, unknown>;
      assert.equal(as.issuer, server.publicUrl.origin, path);
      assert.equal(as.authorization_endpoint, `${server.publicUrl.origin}/oauth/authorize`);
      assert.equal(as.token_endpoint, `${server.publicUrl.origin}/oauth/token`);
      assert.equal(as.registration_endpoint, `${server.publicUrl.origin}/oauth/register`);
      assert.equal(as.revocation_endpoint, `${server.publicUrl.origin}/oauth/revoke`);
      assert.deepEqual(as.code_challenge_methods_supported, ['S256'], 'PKCE S256 only');
      assert.deepEqual(as.response_types_supported, ['code']);
      assert.equal(as.client_id_metadata_document_supported, true);
    }
    // Nothing of the authorization server answers outside its paths (the local gateway's stay free).
    assert.equal((await fetch(new URL('/interaction/x', server.publicUrl))).status, 404);
  });

  it('DCR as claude.ai does it (client_secret_post): the page, the code, tool calls as a client of the tenant; refresh rotates and keeps the identity', async () => {
    const client = new TestOAuthClient({ name: 'claude.ai', redirectUri: CLAUDE_CALLBACK, authMethod: 'client_secret_post' });
    const first = await connectWithOAuth(server, shared.browser, client, alice.apiKey, { screenshot: 'test-artifacts/oauth-sign-in.png' });
    const registered = client.clientInformation()!;
    assert.equal(client.registrations, 1);
    assert.ok('client_secret' in registered && registered.client_secret, 'a confidential client gets a secret once');
    assert.ok(first.refresh_token);
    secrets.push(first.access_token, first.refresh_token, registered.client_secret as string);

    const me = await whoami(server, client);
    assert.equal(me.tenant, alice.tenant);
    assert.equal(me.name, 'claude.ai');
    assert.deepEqual(
      (await clientRows(server, alice.tenant)).map((row) => row.name),
      ['claude.ai'],
    );

    // The SDK refreshes when it holds a refresh token: new tokens, same client.
    assert.equal(await auth(client, { serverUrl: server.mcpUrl }), 'AUTHORIZED');
    const second = client.tokens()!;
    assert.notEqual(second.access_token, first.access_token);
    assert.notEqual(second.refresh_token, first.refresh_token, 'the refresh token rotates');
    secrets.push(second.access_token, second.refresh_token!);
    assert.deepEqual(await whoami(server, client), me, 'a refreshed token is the same client of the same tenant');

    // After the grace period for parallel refreshes (see refresh.test.ts), the old refresh token is
    // refused, and its reuse revokes the whole grant (a stolen copy is worthless).
    server.clock.advanceMinutes(1);
    const reused = await tokenRequest(
      server.publicUrl,
      { grant_type: 'refresh_token', refresh_token: first.refresh_token! },
      { id: registered.client_id, secret: registered.client_secret as string },
    );
    assert.equal(reused.status, 400);
    assert.equal(reused.body.error, 'invalid_grant');
    assert.equal((await mcpRequest(server, second.access_token)).status, 401, 'the grant of a reused refresh token is revoked');
    server.clock.set(Date.now());

    // A wrong client secret is refused.
    const wrongSecret = await tokenRequest(
      server.publicUrl,
      { grant_type: 'refresh_token', refresh_token: second.refresh_token! },
      { id: registered.client_id, secret: 'not-the-secret' },
    );
    assert.equal(wrongSecret.status, 401);
    assert.equal(wrongSecret.body.error, 'invalid_client');
  });

  it('CIMD (what claude.ai prefers): the client_id is its metadata document URL, nothing is registered, and a new flow continues the same client', async () => {
    // Any port matches the document's port-less loopback redirect URIs (RFC 8252 §7.3).
    const client = new TestOAuthClient({ name: 'Claude Code', redirectUri: 'http://127.0.0.1:33418/callback', clientMetadataUrl: cimdUrl });
    const tokens = await connectWithOAuth(server, shared.browser, client, alice.apiKey);
    secrets.push(tokens.access_token, tokens.refresh_token!);
    assert.equal(client.clientInformation()!.client_id, cimdUrl);
    assert.equal(client.registrations, 0);
    const me = await whoami(server, client);
    assert.equal(me.name, 'Claude Code');
    const row = (await clientRows(server, alice.tenant)).find((r) => r.id === me.client)!;
    assert.equal(row.client_key, cimdUrl, 'the client software is known by its metadata document URL');
    const registeredClients = await server.pool.query(`SELECT 1 FROM dementia_hosted.oauth_state WHERE kind = 'Client'`);
    assert.equal(registeredClients.rowCount, 1, 'only the DCR client of the previous test is stored');

    client.forgetEverything();
    await connectWithOAuth(server, 'http', client, alice.apiKey);
    assert.equal((await whoami(server, client)).client, me.client, 'the same software continues the same client');
  });

  it('re-authorization: a fresh DCR registration of the same software continues its client; "connect as a new client" makes another', async () => {
    const desktop = new TestOAuthClient({ name: 'Claude Desktop', redirectUri: CLAUDE_CALLBACK, authMethod: 'client_secret_post' });
    await connectWithOAuth(server, 'http', desktop, alice.apiKey);
    const first = await whoami(server, desktop);
    const firstRegistration = desktop.clientInformation()!.client_id;

    desktop.forgetEverything();
    await connectWithOAuth(server, 'http', desktop, alice.apiKey);
    assert.notEqual(desktop.clientInformation()!.client_id, firstRegistration, 'Claude registers anew on a fresh connection flow');
    assert.equal(desktop.registrations, 2);
    assert.deepEqual(await whoami(server, desktop), first, 'same name and redirect URIs: the same client, its project and work session');

    // A native app on a loopback redirect takes a free port for each sign-in: still the same software.
    const ports = [41001, 41002].map((port) => new TestOAuthClient({ name: 'Claude Code', redirectUri: `http://localhost:${port}/callback` }));
    for (const code of ports) await connectWithOAuth(server, 'http', code, alice.apiKey);
    assert.equal((await whoami(server, ports[0]!)).client, (await whoami(server, ports[1]!)).client, 'another loopback port, the same client');

    desktop.forgetEverything();
    await connectWithOAuth(server, shared.browser, desktop, alice.apiKey, { asNewClient: true });
    const second = await whoami(server, desktop);
    assert.notEqual(second.client, first.client);
    assert.equal(second.name, 'Claude Desktop (2)', 'two clients of one tenant are told apart by name');
  });

  it('an app redirect URI (Cursor registers cursor://...) makes a native client, which signs in like any other', async () => {
    const redirectUri = 'cursor://anysphere.cursor-mcp/oauth/callback';
    const registration = (await register(server.publicUrl, { client_name: 'Cursor', redirect_uris: [redirectUri] })) as Registration & {
      application_type?: string;
    };
    assert.equal(registration.application_type, 'native');
    const { verifier, challenge } = pkce();
    const answer = await signInByHand(server.publicUrl, { clientId: registration.client_id, redirectUri, challenge, method: 'S256' }, alice.apiKey);
    assert.ok(answer.url.href.startsWith(`${redirectUri}?`) && answer.code, answer.url.href);
    const exchanged = await tokenRequest(server.publicUrl, {
      grant_type: 'authorization_code',
      code: answer.code!,
      code_verifier: verifier,
      redirect_uri: redirectUri,
      client_id: registration.client_id,
    });
    assert.equal(exchanged.status, 200);
    secrets.push(answer.code!, exchanged.body.access_token!, exchanged.body.refresh_token!);
  });

  it("scopes as clients ask for them (none, the resource's, unknown names, openid): always a token for the MCP endpoint", async () => {
    const registration = await register(server.publicUrl, {
      client_name: 'Scopes',
      redirect_uris: ['http://127.0.0.1:7780/cb'],
      scope: 'mcp offline_access claudeai openid',
    });
    for (const scope of [undefined, 'mcp', 'mcp offline_access', 'claudeai', 'openid profile email']) {
      const { verifier, challenge } = pkce();
      const answer = await signInByHand(
        server.publicUrl,
        { clientId: registration.client_id, redirectUri: 'http://127.0.0.1:7780/cb', challenge, method: 'S256', scope },
        alice.apiKey,
      );
      assert.ok(answer.code, `${scope}: ${answer.url.href}`);
      const exchanged = await tokenRequest(server.publicUrl, {
        grant_type: 'authorization_code',
        code: answer.code!,
        code_verifier: verifier,
        redirect_uri: 'http://127.0.0.1:7780/cb',
        client_id: registration.client_id,
      });
      assert.equal(exchanged.status, 200, `${scope}: ${JSON.stringify(exchanged.body)}`);
      assert.equal(exchanged.body.scope?.split(' ').includes('mcp'), true, `${scope}: granted ${exchanged.body.scope}`);
      assert.equal(exchanged.body.id_token, undefined, 'no OpenID Connect');
      assert.ok(exchanged.body.refresh_token, `${scope}: refreshable`);
      assert.equal((await mcpRequest(server, exchanged.body.access_token)).status, 200, String(scope));
      secrets.push(answer.code!, exchanged.body.access_token!, exchanged.body.refresh_token!);
    }
  });

  it("tenant isolation: the sign-in with B's key makes a client of B only", async () => {
    const before = await clientRows(server, alice.tenant);
    const client = new TestOAuthClient({ name: 'claude.ai', redirectUri: CLAUDE_CALLBACK, authMethod: 'client_secret_post' });
    const tokens = await connectWithOAuth(server, 'http', client, bob.apiKey);
    secrets.push(tokens.access_token, tokens.refresh_token!);
    const me = await whoami(server, client);
    assert.equal(me.tenant, bob.tenant);
    assert.equal(me.name, 'claude.ai', "B's first claude.ai, not a continuation of A's");
    assert.deepEqual(await clientRows(server, alice.tenant), before, "A's clients are untouched");
    assert.deepEqual(
      (await clientRows(server, bob.tenant)).map((row) => row.id),
      [me.client],
    );
  });

  it('several processes, one flow: the page on one, the form answered by another, the token from a third; every one accepts the token', async () => {
    const database = server.pool.options.connectionString!.split('/').pop()!;
    // Three processes behind one public URL (the first one's), as behind a load balancer.
    const b = await startAuthServer(shared.pg, database, { publicUrl: server.publicUrl });
    const c = await startAuthServer(shared.pg, database, { publicUrl: server.publicUrl });
    try {
      const direct = (s: AuthServer) => new URL(`http://127.0.0.1:${s.port}`);
      const registration = await register(server.publicUrl, { client_name: 'Cursor', redirect_uris: ['http://127.0.0.1:7777/cb'] });
      const { verifier, challenge } = pkce();
      const answer = await signInByHand(
        server.publicUrl,
        { clientId: registration.client_id, redirectUri: 'http://127.0.0.1:7777/cb', challenge, method: 'S256', resource: server.mcpUrl.href },
        alice.apiKey,
        { postTo: direct(b), resumeOn: direct(c) },
      );
      assert.ok(answer.code, `the cookies and interaction made by one process are read by the others: ${answer.url.href}`);
      const exchanged = await tokenRequest(direct(c), {
        grant_type: 'authorization_code',
        code: answer.code!,
        code_verifier: verifier,
        redirect_uri: 'http://127.0.0.1:7777/cb',
        client_id: registration.client_id,
      });
      assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
      secrets.push(answer.code!, exchanged.body.access_token!, exchanged.body.refresh_token!);
      for (const s of [server, b, c]) {
        const response = await fetch(new URL('/mcp', direct(s)), {
          method: 'POST',
          headers: {
            authorization: `Bearer ${exchanged.body.access_token}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }),
        });
        assert.equal(response.status, 200, `process on ${direct(s).port}`);
        assert.match(await response.text(), new RegExp(alice.tenant));
      }
    } finally {
      await b.close();
      await c.close();
    }
  });

  it('stores only hashes: no token, code, key, secret or cookie appears in the control schema or the log', async () => {
    const { verifier, challenge } = pkce();
    const registration = await register(server.publicUrl, {
      client_name: 'VS Code',
      redirect_uris: ['http://127.0.0.1:7778/cb'],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    const answer = await signInByHand(
      server.publicUrl,
      { clientId: registration.client_id, redirectUri: 'http://127.0.0.1:7778/cb', challenge, method: 'S256' },
      alice.apiKey,
    );
    const exchanged = await tokenRequest(
      server.publicUrl,
      { grant_type: 'authorization_code', code: answer.code!, code_verifier: verifier, redirect_uri: 'http://127.0.0.1:7778/cb' },
      { id: registration.client_id, secret: registration.client_secret!, basic: true },
    );
    assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
    const interactionUid = answer.jar.values();
    secrets.push(
      answer.code!,
      exchanged.body.access_token!,
      exchanged.body.refresh_token!,
      registration.client_secret!,
      ...interactionUid.filter((v) => v.length >= 16),
    );

    const tables = (
      await server.pool.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'dementia_hosted'`)
    ).rows.map((r) => r.table_name);
    assert.ok(tables.includes('oauth_state') && tables.includes('tenants'));
    let rows = 0;
    for (const table of tables) {
      const dump = (await server.pool.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM dementia_hosted."${table}" t`)).rows
        .map((r) => r.row)
        .join('\n');
      rows += dump.length;
      for (const secret of secrets) assert.equal(dump.includes(secret), false, `a secret (${secret.slice(0, 6)}…) is stored in dementia_hosted.${table}`);
    }
    assert.ok(rows > 1000, 'the scan saw the stored state');
    const log = server.logged.join('\n');
    assert.match(log, /Hosted client signed in/);
    for (const secret of secrets) assert.equal(log.includes(secret), false, `a secret (${secret.slice(0, 6)}…) was logged`);
  });
});
