import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { disposeSharedPostgres, sharedPostgres, type SharedPostgres } from '../../../helpers/postgres.ts';
import { mcpRequest, startAuthServer, type AuthServer } from '../oauth-harness.ts';

let postgres: SharedPostgres;
let server: AuthServer;
before(async () => {
  postgres = await sharedPostgres();
  server = await startAuthServer(postgres, await postgres.createDatabase('mcp_scope'));
});
after(async () => {
  await server?.close();
  await disposeSharedPostgres();
});

describe('the scope "mcp" is named wherever a client looks for it', { timeout: 60_000 }, () => {
  it('the 401 challenge names scope="mcp" next to the resource metadata', async () => {
    for (const token of [undefined, 'not-a-token']) {
      const refused = await mcpRequest(server, token);
      assert.equal(refused.status, 401);
      assert.match(refused.challenge ?? '', /scope="mcp"/, refused.challenge ?? '(none)');
      assert.match(refused.challenge ?? '', /resource_metadata="/);
    }
  });

  it('the authorization server metadata lists mcp in scopes_supported', async () => {
    const metadata = (await (await fetch(new URL('/.well-known/oauth-authorization-server', server.publicUrl))).json()) as { scopes_supported: string[] };
    assert.ok(metadata.scopes_supported.includes('mcp'), JSON.stringify(metadata.scopes_supported));
  });
});
