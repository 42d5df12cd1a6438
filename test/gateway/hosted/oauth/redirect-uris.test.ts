import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { disposeSharedPostgres, sharedPostgres, type SharedPostgres } from '../../../helpers/postgres.ts';
import { startAuthServer, type AuthServer } from '../oauth-harness.ts';
import { pkce, register, signInByHand, tokenRequest } from '../oauth-raw.ts';

let postgres: SharedPostgres;
let server: AuthServer;
let apiKey: string;
before(async () => {
  postgres = await sharedPostgres();
  server = await startAuthServer(postgres, await postgres.createDatabase('redirect_uris'));
  apiKey = (await server.tenants.add({ label: 'alice' })).apiKey;
});
after(async () => {
  await server?.close();
  await disposeSharedPostgres();
});

async function registerRaw(body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(new URL('/oauth/register', server.publicUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('redirect URIs: https or loopback only (MCP authorization spec)', { timeout: 120_000 }, () => {
  it('plain http to a host that is not this machine is refused at registration with the reason', async () => {
    for (const uri of ['http://evil.example/cb', 'http://10.0.0.5/cb', 'http://localhost.evil.example/cb']) {
      const refused = await registerRaw({ client_name: 'x', redirect_uris: [uri], token_endpoint_auth_method: 'none' });
      assert.equal(refused.status, 400, `${uri}: ${JSON.stringify(refused.body)}`);
      assert.equal(refused.body.error, 'invalid_redirect_uri', uri);
      assert.match(String(refused.body.error_description), /https or http on a loopback address/, uri);
    }
    for (const uri of [
      'https://claude.ai/api/mcp/auth_callback',
      'http://127.0.0.1:33418/cb',
      'http://localhost/callback',
      'http://[::1]:8080/cb',
      'cursor://anysphere.cursor-mcp/oauth/callback',
    ]) {
      const accepted = await registerRaw({ client_name: 'ok', redirect_uris: [uri], token_endpoint_auth_method: 'none' });
      assert.equal(accepted.status, 201, `${uri}: ${JSON.stringify(accepted.body)}`);
    }
  });

  it('redirect_uris that is not a list of strings is a 400 that names the field, not a server fault', async () => {
    for (const redirectUris of ['x', [1], { a: 1 }]) {
      const refused = await registerRaw({ client_name: 'x', redirect_uris: redirectUris });
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.match(String(refused.body.error), /^invalid_(client_metadata|redirect_uri)$/);
      assert.match(String(refused.body.error_description), /redirect_uris/);
    }
    const logged = server.logged.filter((line) => line.startsWith('error'));
    assert.deepEqual(logged, [], 'no server error logged');
  });

  it('loopback redirect URIs match on any port (RFC 8252 §7.3) for clients whose redirect URIs are all http loopback', async () => {
    // As Claude Code's metadata document: no port, no application_type; it listens on an ephemeral port.
    const registration = await register(server.publicUrl, {
      client_name: 'Claude Code',
      redirect_uris: ['http://localhost/callback', 'http://127.0.0.1/callback'],
    });
    for (const redirectUri of ['http://localhost:53117/callback', 'http://127.0.0.1:40001/callback']) {
      const { verifier, challenge } = pkce();
      const answer = await signInByHand(server.publicUrl, { clientId: registration.client_id, redirectUri, challenge, method: 'S256' }, apiKey);
      assert.ok(answer.code, `a code came back to ${redirectUri}`);
      const tokens = await tokenRequest(server.publicUrl, {
        grant_type: 'authorization_code',
        code: answer.code,
        code_verifier: verifier,
        redirect_uri: redirectUri,
        client_id: registration.client_id,
      });
      assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    }
  });

  it('a client with an https redirect URI keeps exact matching for its loopback ones', async () => {
    const registration = await register(server.publicUrl, { client_name: 'Mixed', redirect_uris: ['https://app.example/cb', 'http://127.0.0.1:7000/cb'] });
    const response = await fetch(
      new URL(
        `/oauth/authorize?response_type=code&client_id=${registration.client_id}&redirect_uri=${encodeURIComponent('http://127.0.0.1:7001/cb')}&code_challenge=${pkce().challenge}&code_challenge_method=S256`,
        server.publicUrl,
      ),
      { redirect: 'manual' },
    );
    assert.equal(response.status, 400);
    assert.match(await response.text(), /did not register/);
  });
});
