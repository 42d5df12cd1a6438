import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../../renderer/helpers/browser.ts';
import { disposeSharedPostgres, sharedPostgres, type SharedPostgres } from '../../helpers/postgres.ts';
import { connectWithOAuth, mcpRequest, startAuthServer, TestOAuthClient, whoami, type AuthServer } from './oauth-harness.ts';

let pg: SharedPostgres;
let browser: Browser;

before(async () => {
  pg = await sharedPostgres();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await disposeSharedPostgres();
});

describe('hosted OAuth: a client signs in with the SDK and the sign-in page', { skip: chromiumMissing(), timeout: 120_000 }, () => {
  let server: AuthServer;
  let apiKey: string;
  let tenant: string;

  before(async () => {
    server = await startAuthServer(pg, await pg.createDatabase('oauth'));
    const added = await server.tenants.add({ label: 'alice' });
    apiKey = added.apiKey;
    tenant = added.tenant.schema;
  });
  after(() => server.close());

  it('DCR: discovery, registration, PKCE, the page, the code exchange, then tool calls as a client of the tenant', async () => {
    const unauthenticated = await mcpRequest(server, undefined);
    assert.equal(unauthenticated.status, 401);
    assert.match(unauthenticated.challenge ?? '', new RegExp(`^Bearer .*resource_metadata="${server.publicUrl.origin}/.well-known/oauth-protected-resource/mcp"`));

    const client = new TestOAuthClient({ name: 'claude.ai', redirectUri: 'http://127.0.0.1:9/api/mcp/auth_callback' });
    const tokens = await connectWithOAuth(server, browser, client, apiKey, { screenshot: 'test-artifacts/oauth-sign-in.png' });
    assert.ok(tokens.access_token);
    assert.ok(tokens.refresh_token, 'a refresh token is issued');
    const me = await whoami(server, client);
    assert.equal(me.tenant, tenant);
    assert.equal(me.name, 'claude.ai');
  });
});
