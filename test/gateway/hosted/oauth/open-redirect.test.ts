import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { disposeSharedPostgres, sharedPostgres, type SharedPostgres } from '../../../helpers/postgres.ts';
import { startAuthServer, type AuthServer } from '../oauth-harness.ts';
import { authorizationUrl, CookieJar, pkce, register, signInByHand, visit, type Registration } from '../oauth-raw.ts';

const PHISH = 'https://evil.example/login-phish';

let postgres: SharedPostgres;
let server: AuthServer;
let attacker: Registration;
let apiKey: string;
before(async () => {
  postgres = await sharedPostgres();
  server = await startAuthServer(postgres, await postgres.createDatabase('open_redirect'));
  apiKey = (await server.tenants.add({ label: 'alice' })).apiKey;
  attacker = await register(server.publicUrl, { client_name: 'Totally Claude', redirect_uris: [PHISH] });
});
after(async () => {
  await server?.close();
  await disposeSharedPostgres();
});

/** Where the answer sends the browser off this server: a Location, or a self-submitting form (form_post). */
async function offServer(response: Response): Promise<string | undefined> {
  const location = response.headers.get('location');
  if (location && new URL(location, server.publicUrl).origin !== server.publicUrl.origin) return location;
  const body = await response.text();
  return body.includes(PHISH) && /<form/i.test(body) ? 'a form posting to the client' : undefined;
}

describe('no redirect off the server that the user did not approve (RFC 9700 §4.11.2)', { timeout: 120_000 }, () => {
  it("a failed authorization request shows the server's own error page, in every response mode", async () => {
    for (const responseMode of [undefined, 'query', 'fragment', 'form_post']) {
      // No PKCE challenge: refused before any sign-in.
      const url = authorizationUrl(server.publicUrl, { clientId: attacker.client_id, redirectUri: PHISH });
      if (responseMode) url.searchParams.set('response_mode', responseMode);
      const response = await visit(url, new CookieJar());
      assert.equal(
        await offServer(response.clone()),
        undefined,
        `response_mode ${responseMode ?? '(default)'}: ${response.status} ${response.headers.get('location') ?? ''}`,
      );
      assert.equal(response.status, 400);
      const page = await response.text();
      assert.match(page, /This connection cannot go on/);
      assert.match(page, /requires PKCE/, 'the page says what was wrong');
    }
  });

  it('other refusals before sign-in (a resource this server does not serve) stay on the server too', async () => {
    const { challenge } = pkce();
    const url = authorizationUrl(server.publicUrl, {
      clientId: attacker.client_id,
      redirectUri: PHISH,
      challenge,
      method: 'S256',
      resource: 'https://elsewhere.example/mcp',
    });
    const response = await visit(url, new CookieJar());
    assert.equal(await offServer(response.clone()), undefined);
    assert.equal(response.status, 400);
  });

  it('after the user signs in and allows, the code does go to the client', async () => {
    const { challenge } = pkce();
    const answer = await signInByHand(server.publicUrl, { clientId: attacker.client_id, redirectUri: PHISH, challenge, method: 'S256' }, apiKey);
    assert.ok(answer.url.href.startsWith(PHISH));
    assert.ok(answer.code);
  });
});
