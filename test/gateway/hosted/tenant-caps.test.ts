import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ManualClock } from '../../../src/gateway/clock.ts';
import { CONTROL_SCHEMA } from '../../../src/gateway/hosted/control-schema.ts';
import { HostedGateway } from '../../../src/gateway/hosted/hosted-gateway.ts';
import { resolveHostedSettings } from '../../../src/gateway/hosted/hosted-settings.ts';
import { createHostedAuth } from '../../../src/gateway/hosted/oauth/create-hosted-auth.ts';
import { silentLogger } from '../../../src/gateway/logger.ts';
import { quoteIdent } from '../../../src/gateway/pg/remote-schema.ts';
import { connectClient, textOf } from '../../helpers/gateway-harness.ts';
import { disposeSharedPostgres, sharedPostgres, type SharedPostgres } from '../../helpers/postgres.ts';
import { postInitialize } from '../../helpers/raw-initialize.ts';
import { signedInToken } from './hosted-processes.ts';
import { openSignInPage, postSignIn } from './oauth-raw.ts';

let server: SharedPostgres;
before(async () => {
  server = await sharedPostgres();
});
after(() => disposeSharedPostgres());

const CALLBACK = 'https://claude.ai/api/mcp/auth_callback';
/** Shorter than a day here: the access tokens (12 hours) must outlive the wait. */
const UNUSED_MS = 60 * 60_000;
const STATE = `${quoteIdent(CONTROL_SCHEMA)}.oauth_state`;

/** The sign-in form of a new client, posted with the key: the answer the browser gets. */
async function postedSignIn(base: URL, apiKey: string, clientName: string): Promise<Response> {
  const { signInUrl, jar } = await openSignInPage(base, { name: clientName, redirectUri: CALLBACK }, new URL('/mcp', base).toString());
  return postSignIn(signInUrl, jar, { apiKey }, base.origin);
}

/** An initialize as any client sends it: the status, Retry-After and body. */
async function initialize(mcp: URL, token: string): Promise<{ status: number; retryAfter: string | null; text: string }> {
  const response = await postInitialize(mcp, token);
  return { status: response.status, retryAfter: response.headers.get('retry-after'), text: await response.text() };
}

/** Issue 20 item 7: one tenant cannot fill a process with sessions, nor the server with clients. */
describe('hosted mode: caps per tenant (live MCP sessions, signed-in clients, unused grants)', { timeout: 120_000 }, () => {
  let gateway: HostedGateway;
  let pool: pg.Pool;
  const clock = new ManualClock(Date.now());

  before(async () => {
    const database = await server.createDatabase('tenant_caps');
    const settings = resolveHostedSettings({}, { DEMENTIA_PG_URL: server.url(database), DEMENTIA_PORT: '0' });
    gateway = await HostedGateway.start({
      settings,
      createAuth: createHostedAuth,
      clock,
      logger: silentLogger,
      tenantCaps: { sessionsPerTenant: 3, clientsPerTenant: 2, unusedClientMs: UNUSED_MS },
    });
    pool = new pg.Pool({ connectionString: server.url(database), max: 1 });
  });
  after(async () => {
    await pool.end();
    await gateway.stop();
  });

  it('live MCP sessions: the tenant at its cap gets 429 with Retry-After; another tenant is not affected', async () => {
    const alice = await gateway.tenants.add({ label: 'alice-sessions' });
    const bob = await gateway.tenants.add({ label: 'bob-sessions' });
    const base = gateway.publicUrl;
    const mcp = new URL(gateway.mcpUrl);
    const [first, second] = [await signedInToken(base, alice.apiKey, 'flood one'), await signedInToken(base, alice.apiKey, 'flood two')];
    for (const token of [first, first, second]) assert.equal((await initialize(mcp, token)).status, 200);

    const refused = await initialize(mcp, second);
    assert.equal(refused.status, 429, refused.text);
    assert.match(refused.retryAfter ?? '', /^[1-9][0-9]*$/);
    assert.match(refused.text, /3 live MCP sessions on this server process, the most one tenant may hold/);

    // The sessions the tenant has keep working; the other tenant opens its own.
    const bobToken = await signedInToken(base, bob.apiKey, 'bob');
    const bobClient = await connectClient(mcp, bobToken);
    assert.match(textOf(await bobClient.call('list_projects')), /no projects/i);
    await bobClient.close();
  });

  it('signed-in clients: a new client beyond the cap is refused on the sign-in page (429, Retry-After); a client never used is dropped after unusedClientMs, which makes room', async () => {
    const carol = await gateway.tenants.add({ label: 'carol-clients' });
    const base = gateway.publicUrl;
    const mcp = new URL(gateway.mcpUrl);
    const used = await signedInToken(base, carol.apiKey, 'used client');
    const usedClient = await connectClient(mcp, used);
    await usedClient.call('list_projects');
    await usedClient.close();
    const unused = await signedInToken(base, carol.apiKey, 'unused client');

    const page = await postedSignIn(base, carol.apiKey, 'one client too many');
    assert.equal(page.status, 429);
    assert.match(page.headers.get('retry-after') ?? '', /^[1-9][0-9]*$/);
    const html = await page.text();
    assert.match(
      html,
      /This key already has 2 signed-in clients, the most this server allows; nothing was granted[^<]*try again in about 1 hour: a client that never makes a call is dropped 1 hour after it signed in/,
    );
    const clientsTable = `${quoteIdent(carol.tenant.schema)}.clients`;
    const active = async () =>
      (await pool.query<{ name: string }>(`SELECT name FROM ${clientsTable} WHERE revoked_at IS NULL ORDER BY name`)).rows.map((row) => row.name);
    assert.deepEqual(await active(), ['unused client', 'used client'], 'nothing was added');

    // An hour later (unusedClientMs) the client that never made a call is dropped, with its grant; the used one stays.
    clock.advanceMinutes(UNUSED_MS / 60_000 + 1);
    const later = await signedInToken(base, carol.apiKey, 'an hour later');
    assert.deepEqual(await active(), ['an hour later', 'used client']);
    assert.equal((await initialize(mcp, unused)).status, 401, "the dropped client's token is refused");
    assert.equal((await initialize(mcp, later)).status, 200);
    const grants = await pool.query(`SELECT 1 FROM ${STATE} WHERE payload->>'accountId' LIKE $1`, [`${carol.tenant.schema}/%`]);
    const dropped = await pool.query<{ id: string }>(`SELECT id FROM ${clientsTable} WHERE name = 'unused client'`);
    const droppedGrants = await pool.query(`SELECT 1 FROM ${STATE} WHERE payload->>'accountId' = $1`, [`${carol.tenant.schema}/${dropped.rows[0]!.id}`]);
    assert.ok(grants.rowCount! > 0, 'the kept clients keep their grants');
    assert.equal(droppedGrants.rowCount, 0, 'the dropped client has no grant or token left');
  });
  it('the sweep drops a client that never made a call once unusedClientMs has passed, with no sign-in needed', async () => {
    // Postgres stamps the sign-in with its own time: the gateway's clock starts from there.
    clock.set(Date.now());
    const dave = await gateway.tenants.add({ label: 'dave-sweep' });
    const token = await signedInToken(gateway.publicUrl, dave.apiKey, 'abandoned');
    const revoked = async () =>
      (
        await pool.query<{ revoked: boolean }>(
          `SELECT revoked_at IS NOT NULL AS revoked FROM ${quoteIdent(dave.tenant.schema)}.clients WHERE name = 'abandoned'`,
        )
      ).rows[0]!.revoked;
    await gateway.sweeper.runOnce();
    assert.equal(await revoked(), false, 'kept until unusedClientMs has passed');
    clock.advanceMinutes(UNUSED_MS / 60_000 + 1);
    await gateway.sweeper.runOnce();
    assert.equal(await revoked(), true);
    assert.equal((await initialize(new URL(gateway.mcpUrl), token)).status, 401);
  });
});
