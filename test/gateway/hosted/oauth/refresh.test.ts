import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { disposeSharedPostgres, sharedPostgres, type SharedPostgres } from '../../../helpers/postgres.ts';
import { mcpRequest, startAuthServer, type AuthServer } from '../oauth-harness.ts';
import { pkce, register, signInByHand, tokenRequest, type Registration } from '../oauth-raw.ts';

const REDIRECT = 'http://127.0.0.1:7000/cb';

let postgres: SharedPostgres;
let server: AuthServer;
let apiKey: string;
let client: Registration;
let tokens: { access_token: string; refresh_token: string };

before(async () => {
  postgres = await sharedPostgres();
  server = await startAuthServer(postgres, await postgres.createDatabase('refresh'));
  apiKey = (await server.tenants.add({ label: 'alice' })).apiKey;
  client = await register(server.publicUrl, { client_name: 'Claude', redirect_uris: [REDIRECT] });
});
after(async () => {
  await server?.close();
  await disposeSharedPostgres();
});
beforeEach(async () => {
  const { verifier, challenge } = pkce();
  const answer = await signInByHand(
    server.publicUrl,
    { clientId: client.client_id, redirectUri: REDIRECT, challenge, method: 'S256', resource: server.mcpUrl.href },
    apiKey,
  );
  const exchanged = await tokenRequest(server.publicUrl, {
    grant_type: 'authorization_code',
    code: answer.code!,
    code_verifier: verifier,
    redirect_uri: REDIRECT,
    client_id: client.client_id,
  });
  assert.equal(exchanged.status, 200);
  tokens = exchanged.body as unknown as typeof tokens;
});

const refresh = (refreshToken: string, resource = server.mcpUrl.href) =>
  tokenRequest(server.publicUrl, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: client.client_id, resource });

describe("refreshing tokens the way Claude's clients do", { timeout: 120_000 }, () => {
  it('an access token lasts 12 hours, for clients that never refresh', async () => {
    const fresh = await refresh(tokens.refresh_token);
    assert.equal(Number(fresh.body.expires_in), 12 * 60 * 60);
    server.clock.advanceMinutes(11 * 60);
    assert.equal((await mcpRequest(server, fresh.body.access_token!)).status, 200, 'still valid after 11 hours');
    server.clock.set(Date.now());
  });

  it('a refused refresh (wrong resource) spends nothing: the retry with the right resource works and the access token stays valid', async () => {
    const wrong = await refresh(tokens.refresh_token, `${server.mcpUrl.href}/`.replace(/\/mcp\/$/, '/elsewhere'));
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error, 'invalid_target');
    assert.equal((await mcpRequest(server, tokens.access_token)).status, 200, 'the grant was not revoked');
    const retried = await refresh(tokens.refresh_token);
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
  });

  it('two refreshes at once with the same token both succeed, with the same new pair', async () => {
    const [a, b] = await Promise.all([refresh(tokens.refresh_token), refresh(tokens.refresh_token)]);
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(b.status, 200, JSON.stringify(b.body));
    assert.equal(a.body.refresh_token, b.body.refresh_token);
    assert.equal(a.body.access_token, b.body.access_token);
    assert.equal((await mcpRequest(server, a.body.access_token!)).status, 200);
  });

  it('a token rotated moments ago is honoured again (same pair); reused after the grace period it revokes the grant', async () => {
    const first = await refresh(tokens.refresh_token);
    assert.equal(first.status, 200);
    const again = await refresh(tokens.refresh_token);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.refresh_token, first.body.refresh_token);
    // In use: the server remembers it and checks it with one statement from now on.
    assert.equal((await mcpRequest(server, first.body.access_token!)).status, 200);

    server.clock.advanceMinutes(2);
    const late = await refresh(tokens.refresh_token);
    assert.equal(late.status, 400);
    assert.equal(late.body.error, 'invalid_grant');
    assert.equal((await mcpRequest(server, first.body.access_token!)).status, 401, 'reuse after the grace period revokes what the token gave');
    assert.equal((await refresh(first.body.refresh_token!)).status, 400);
  });
});
