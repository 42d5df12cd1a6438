import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { disposeSharedPostgres, sharedPostgres, type SharedPostgres } from '../../../helpers/postgres.ts';
import { startAuthServer, type AuthServer } from '../oauth-harness.ts';
import { pkce, register, signInByHand, tokenRequest } from '../oauth-raw.ts';

let postgres: SharedPostgres;
let server: AuthServer;
before(async () => {
  postgres = await sharedPostgres();
  // Limits small enough to reach in a test (the defaults are in REGISTRATION_LIMITS).
  server = await startAuthServer(postgres, await postgres.createDatabase('registration_flood'), {
    testRegistrationLimits: { perAddress: 8, unusedClients: 3 },
  });
});
after(async () => {
  await server?.close();
  await disposeSharedPostgres();
});

const clientRows = async () =>
  Number((await server.pool.query<{ n: string }>(`SELECT count(*) AS n FROM dementia_hosted.oauth_state WHERE kind = 'Client'`)).rows[0]!.n);

async function registerRaw(body: string): Promise<Response> {
  return fetch(new URL('/oauth/register', server.publicUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
}

describe('anonymous registrations cannot grow the database without bound', { timeout: 120_000 }, () => {
  it('metadata over 8 KB is refused and stores nothing', async () => {
    const before = await clientRows();
    const refused = await registerRaw(JSON.stringify({ client_name: 'x'.repeat(54 * 1024), redirect_uris: ['https://a.example/cb'] }));
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as { error_description: string }).error_description, /at most 8192 bytes/);
    assert.equal(await clientRows(), before);
  });

  it('unused registrations beyond the cap are dropped, oldest first; a client that signed in stays', async () => {
    const apiKey = (await server.tenants.add({ label: 'alice' })).apiKey;
    const used = await register(server.publicUrl, { client_name: 'Used', redirect_uris: ['https://used.example/cb'] });
    const { verifier, challenge } = pkce();
    const answer = await signInByHand(
      server.publicUrl,
      { clientId: used.client_id, redirectUri: 'https://used.example/cb', challenge, method: 'S256' },
      apiKey,
    );
    assert.equal(
      (
        await tokenRequest(server.publicUrl, {
          grant_type: 'authorization_code',
          code: answer.code!,
          code_verifier: verifier,
          redirect_uri: 'https://used.example/cb',
          client_id: used.client_id,
        })
      ).status,
      200,
    );
    const unused = [];
    for (let i = 0; i < 5; i++) unused.push(await register(server.publicUrl, { client_name: `flood ${i}`, redirect_uris: ['https://a.example/cb'] }));
    assert.equal(await clientRows(), 1 + 3, 'the used client and the 3 newest unused ones');
    const known = async (id: string, redirectUri = 'https://a.example/cb') =>
      (
        await fetch(
          new URL(
            `/oauth/authorize?client_id=${encodeURIComponent(id)}&response_type=code&redirect_uri=${redirectUri}&code_challenge=${challenge}&code_challenge_method=S256`,
            server.publicUrl,
          ),
          { redirect: 'manual' },
        )
      ).status !== 400;
    assert.equal(await known(unused[0]!.client_id), false, 'the oldest unused registration was dropped');
    assert.equal(await known(unused[4]!.client_id), true);
    assert.equal(await known(used.client_id, 'https://used.example/cb'), true);
  });

  it('one address registering too fast gets 429 with Retry-After', async () => {
    let refused: Response | undefined;
    for (let i = 0; i < 12 && !refused; i++) {
      const response = await registerRaw(
        JSON.stringify({ client_name: `fast ${i}`, redirect_uris: ['https://a.example/cb'], token_endpoint_auth_method: 'none' }),
      );
      if (response.status === 429) refused = response;
      else assert.equal(response.status, 201);
    }
    assert.ok(refused, 'refused within 12 registrations');
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    server.clock.advanceMinutes(11);
    assert.equal(
      (await registerRaw(JSON.stringify({ client_name: 'later', redirect_uris: ['https://a.example/cb'], token_endpoint_auth_method: 'none' }))).status,
      201,
      'the window ends',
    );
  });
});
