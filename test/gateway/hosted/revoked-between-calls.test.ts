import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../../src/gateway/clock.ts';
import { CONTROL_SCHEMA } from '../../../src/gateway/hosted/control-schema.ts';
import { HostedGateway } from '../../../src/gateway/hosted/hosted-gateway.ts';
import { resolveHostedSettings } from '../../../src/gateway/hosted/hosted-settings.ts';
import { createHostedAuth } from '../../../src/gateway/hosted/oauth/create-hosted-auth.ts';
import { silentLogger } from '../../../src/gateway/logger.ts';
import { quoteIdent } from '../../../src/gateway/pg/remote-schema.ts';
import { connectClient, textOf } from '../../helpers/gateway-harness.ts';
import { disposeSharedPostgres, sharedPostgres, type SharedPostgres } from '../../helpers/postgres.ts';
import { callOnSession, signedInToken } from './hosted-processes.ts';

let server: SharedPostgres;
before(async () => {
  server = await sharedPostgres();
});
after(() => disposeSharedPostgres());

/**
 * A token the server confirmed before is checked by the call's own first transaction, not in a
 * round trip ahead of it (issue 20 item 18). The attack: keep using a session after the operator
 * revoked the client, or after the client's token was revoked, with a write. It must be refused
 * with 401 on that very request, and leave nothing behind: no context, no activity entry, no call
 * counted on the session.
 */
describe('hosted: a token revoked between two calls of a live session is refused on the next one, which leaves nothing', { timeout: 120_000 }, () => {
  let gateway: HostedGateway;
  let tenant: string;
  let apiKey: string;
  let mcpUrl: URL;

  before(async () => {
    const database = await server.createDatabase('revoked_between_calls');
    const settings = resolveHostedSettings({}, { DEMENTIA_PG_URL: server.url(database), DEMENTIA_PORT: '0' });
    gateway = await HostedGateway.start({ settings, createAuth: createHostedAuth, clock: new ManualClock(Date.now()), logger: silentLogger });
    const added = await gateway.tenants.add({ label: 'alice' });
    tenant = added.tenant.schema;
    apiKey = added.apiKey;
    mcpUrl = new URL(gateway.mcpUrl);
  });
  after(() => gateway.stop());

  const count = async (sql: string, values: unknown[] = []): Promise<number> =>
    Number((await gateway.pool.query<{ n: string }>(sql.replaceAll('$schema', quoteIdent(tenant)), values)).rows[0]!.n);

  /** What a refused call must not have added to: contexts, activity entries, the calls counted on sessions. */
  const footprint = async () => ({
    contexts: await count('SELECT count(*) AS n FROM $schema.contexts'),
    activity: await count('SELECT count(*) AS n FROM $schema.activity'),
    sessionCalls: await count('SELECT coalesce(sum(call_count), 0) AS n FROM $schema.session_state'),
  });

  /** A signed-in client whose token the server has confirmed (two calls made), and its session id. */
  async function workingClient(name: string) {
    const token = await signedInToken(new URL(gateway.mcpUrl), apiKey, name);
    const client = await connectClient(mcpUrl, token);
    await client.call('create_project', { name: `${name}-project` });
    const saved = await client.call('lock_context', { project: `${name}-project`, topic: 'kept', content: 'Written while the token was good.' });
    assert.equal(saved.isError, undefined, textOf(saved));
    return { token, client, sessionId: client.transport.sessionId! };
  }

  it('the operator revokes the client: its next write on the live session gets 401 and writes nothing', async () => {
    const { token, client, sessionId } = await workingClient('Cursor');
    const before = await footprint();
    await gateway.clients.revoke(tenant, 'Cursor');

    const write = await callOnSession(mcpUrl, token, sessionId, 'lock_context', {
      project: 'Cursor-project',
      topic: 'after-revocation',
      content: 'Written after the client was revoked.',
    });
    assert.equal(write.status, 401, `a revoked client's write was answered: ${write.text}`);
    assert.match(write.challenge, /Bearer .*error="invalid_token"/);
    assert.match(write.text, /revoked/);
    assert.deepEqual(await footprint(), before, 'the refused call left a trace');
    assert.equal(await count(`SELECT count(*) AS n FROM $schema.contexts WHERE label = 'after-revocation'`), 0);

    // A request that opens no transaction (no such tool) is refused the same way, not answered.
    const unknownTool = await callOnSession(mcpUrl, token, sessionId, 'no_such_tool', {});
    assert.equal(unknownTool.status, 401, unknownTool.text);
    await client.close().catch(() => {});
  });

  it("the client's access token is revoked at the revocation endpoint: its next write gets 401 and writes nothing", async () => {
    const { token, client, sessionId } = await workingClient('Zed');
    const before = await footprint();
    const revoked = await fetch(new URL('/oauth/revoke', gateway.mcpUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, token_type_hint: 'access_token', client_id: await clientIdOf('Zed') }),
    });
    assert.equal(revoked.status, 200, await revoked.text());

    const write = await callOnSession(mcpUrl, token, sessionId, 'lock_context', { project: 'Zed-project', topic: 'after-revocation', content: 'Too late.' });
    assert.equal(write.status, 401, `a revoked token's write was answered: ${write.text}`);
    assert.deepEqual(await footprint(), before, 'the refused call left a trace');
    await client.close().catch(() => {});
  });

  it('a client that is still served keeps working on the same path, and each call is counted once', async () => {
    const { client } = await workingClient('Windsurf');
    const before = await footprint();
    const saved = await client.call('lock_context', { project: 'Windsurf-project', topic: 'next', content: 'Still fine.' });
    assert.equal(saved.isError, undefined, textOf(saved));
    const after = await footprint();
    assert.deepEqual(after, { contexts: before.contexts + 1, activity: before.activity + 1, sessionCalls: before.sessionCalls + 1 });
    await client.close();
  });

  /** The OAuth client id a client registered under (the revocation endpoint asks for it). */
  async function clientIdOf(name: string): Promise<string> {
    const result = await gateway.pool.query<{ id: string }>(
      `SELECT payload->>'client_id' AS id FROM ${quoteIdent(CONTROL_SCHEMA)}.oauth_state WHERE kind = 'Client' AND payload->>'client_name' = $1`,
      [name],
    );
    assert.equal(result.rows.length, 1, `one registration named ${name}`);
    return result.rows[0]!.id;
  }
});
