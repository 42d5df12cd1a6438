import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CLIENT_HEADER_NAMES } from '../../../src/gateway/client-headers.ts';
import { ManualClock } from '../../../src/gateway/clock.ts';
import { HostedGateway } from '../../../src/gateway/hosted/hosted-gateway.ts';
import { resolveHostedSettings } from '../../../src/gateway/hosted/hosted-settings.ts';
import { createHostedAuth } from '../../../src/gateway/hosted/oauth/create-hosted-auth.ts';
import { silentLogger } from '../../../src/gateway/logger.ts';
import { connectClient, textOf, type ConnectedClient } from '../../helpers/gateway-harness.ts';
import { disposeSharedPostgres, sharedPostgres, type SharedPostgres } from '../../helpers/postgres.ts';
import { signedInToken } from './hosted-processes.ts';

let server: SharedPostgres;
before(async () => {
  server = await sharedPostgres();
});
after(() => disposeSharedPostgres());

/**
 * recall_context and lock_context send their reads in the call's first round trip, on the project the
 * client instance's last call on this process ran on (issue 20 item 18). That project is a guess:
 * here the instance selects another project through a second process (as a load balancer may send
 * it), so the first process guesses wrong, and its calls must still read, number and compare on
 * the project they run on.
 */
describe('hosted reads ahead: a wrong guess of the project is never read from', { timeout: 120_000 }, () => {
  const gateways: HostedGateway[] = [];
  const connections: ConnectedClient[] = [];
  let token: string;

  before(async () => {
    const database = await server.createDatabase('reads_ahead');
    // Two processes of one server: one public URL (the first's), so a token works on both.
    const env = { DEMENTIA_PG_URL: server.url(database), DEMENTIA_PORT: '0' };
    const start = (extra: Record<string, string>) =>
      HostedGateway.start({
        settings: resolveHostedSettings({}, { ...env, ...extra }),
        createAuth: createHostedAuth,
        clock: new ManualClock(Date.now()),
        logger: silentLogger,
      });
    gateways.push(await start({}));
    gateways.push(await start({ DEMENTIA_PUBLIC_URL: gateways[0]!.publicUrl.origin }));
    token = await signedInToken(new URL(gateways[0]!.mcpUrl), (await gateways[0]!.tenants.add({ label: 'alice' })).apiKey, 'claude.ai');
  });
  after(async () => {
    await Promise.all(connections.map((connection) => connection.close()));
    await Promise.all(gateways.map((gateway) => gateway.stop()));
  });

  /** The same client instance (one repository of one client), on one of the two processes. */
  async function instanceOn(gateway: HostedGateway): Promise<ConnectedClient> {
    const connection = await connectClient(new URL('/mcp', `http://127.0.0.1:${gateway.port}`), token, {
      headers: { [CLIENT_HEADER_NAMES.instance]: '/home/alice/repo' },
    });
    connections.push(connection);
    return connection;
  }

  const ok = async (client: ConnectedClient, tool: string, args: Record<string, unknown>) => {
    const result = await client.call(tool, args);
    assert.notEqual(result.isError, true, `${tool}: ${textOf(result)}`);
    return result;
  };

  it('after the project changed on another process, recall and lock read the project they run on, not the one guessed', async () => {
    const first = await instanceOn(gateways[0]!);
    const second = await instanceOn(gateways[1]!);
    await ok(second, 'create_project', { name: 'alpha' });
    await ok(second, 'create_project', { name: 'beta' });
    await ok(second, 'lock_context', { project: 'beta', topic: 'api', content: 'Beta pages with offsets of 20.' });
    await ok(second, 'lock_context', { project: 'beta', topic: 'api', content: 'Beta pages with offsets of 25.' });
    await ok(second, 'lock_context', { project: 'beta', topic: 'deploy', content: 'Beta deploys by hand every friday afternoon from the ops laptop.' });

    // On the first process the instance works on alpha: its guess for the next call there is alpha.
    await ok(first, 'select_project_for_session', { project_name: 'alpha' });
    await ok(first, 'lock_context', { topic: 'api', content: 'Alpha pages with cursors, 50 per page.' });
    await ok(first, 'lock_context', { topic: 'release', content: 'Beta deploys by hand every friday afternoon from the ops laptop, says alpha.' });
    assert.match(textOf(await ok(first, 'recall_context', { topic: 'api' })), /Alpha pages with cursors/);

    // It selects beta through the other process: the reads the first sends ahead (on alpha) must not answer.
    await ok(second, 'select_project_for_session', { project_name: 'beta' });
    const recalled = await ok(first, 'recall_context', { topic: 'api' });
    assert.match(textOf(recalled), /Beta pages with offsets of 25/);
    assert.equal((recalled.structuredContent as { project: string }).project, 'beta');

    await ok(second, 'select_project_for_session', { project_name: 'alpha' });
    await ok(first, 'recall_context', { topic: 'release' }); // the first process now guesses alpha again...
    await ok(second, 'select_project_for_session', { project_name: 'beta' }); // ...and the instance moves to beta
    const locked = await ok(first, 'lock_context', { topic: 'api', content: 'Beta pages with offsets of 30.' });
    assert.match(textOf(locked), /Project "beta"/);
    assert.match(textOf(locked), /v3/, `beta's api has two versions, so this is its third: ${textOf(locked)}`);

    await ok(second, 'select_project_for_session', { project_name: 'alpha' });
    await ok(first, 'recall_context', { topic: 'release' });
    await ok(second, 'select_project_for_session', { project_name: 'beta' });
    const similarOne = await ok(first, 'lock_context', {
      topic: 'rollout',
      content: 'Beta deploys by hand every friday afternoon from the ops laptop, again.',
    });
    const similar = (similarOne.structuredContent as { similar?: { label: string }[] }).similar ?? [];
    assert.deepEqual(
      similar.map((s) => s.label),
      ['deploy'],
      `near-duplicates are beta's own, not alpha's "release": ${textOf(similarOne)}`,
    );
  });
});
