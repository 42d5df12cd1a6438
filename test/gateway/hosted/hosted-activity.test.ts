import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../../src/gateway/clock.ts';
import { HostedGateway } from '../../../src/gateway/hosted/hosted-gateway.ts';
import { resolveHostedSettings } from '../../../src/gateway/hosted/hosted-settings.ts';
import { createHostedAuth } from '../../../src/gateway/hosted/oauth/create-hosted-auth.ts';
import { adminStatus } from '../../../src/gateway/http/admin/status-view.ts';
import { silentLogger } from '../../../src/gateway/logger.ts';
import { disposeSharedPostgres, sharedPostgres, type SharedPostgres } from '../../helpers/postgres.ts';
import { settle, startMachine } from '../../sync/sync-harness.ts';
import { callTool, connectWithOAuth, TestOAuthClient } from './oauth-harness.ts';

let server: SharedPostgres;
before(async () => {
  server = await sharedPostgres();
});
after(() => disposeSharedPostgres());

/**
 * Issue 20 item 17: a hosted client's "last seen" and its open session's call count must follow its
 * calls, even when the calls come in a burst and then stop (the once-a-minute writes alone froze
 * them at the first call: the sign-in moment).
 */
describe('hosted activity follows the calls (clients list --hosted, status --json)', { timeout: 120_000 }, () => {
  it('after a burst of calls, the next periodic publish shows the last call time and every call', async () => {
    const database = await server.createDatabase('hosted_activity');
    const pgUrl = server.url(database);
    const clock = new ManualClock(Date.now());
    const settings = resolveHostedSettings({}, { DEMENTIA_PG_URL: pgUrl, DEMENTIA_PORT: '0' });
    const gateway = await HostedGateway.start({ settings, createAuth: createHostedAuth, clock, logger: silentLogger });
    const { apiKey, tenant } = await gateway.tenants.add({ label: 'alice' });
    const desktop = await startMachine({ pgUrl, apiKey, clock });
    try {
      const mcpUrl = new URL(gateway.mcpUrl);
      const claude = new TestOAuthClient({ name: 'claude.ai', redirectUri: 'https://claude.ai/api/mcp/auth_callback' });
      await connectWithOAuth({ mcpUrl }, 'http', claude, apiKey);
      const ok = async (tool: string, args: Record<string, unknown>) => {
        const result = await callTool(mcpUrl, claude, tool, args);
        assert.equal(result.isError, false, `${tool}: ${result.text}`);
      };
      await ok('create_project', { name: 'innkeeper' });
      const firstCall = clock.now();
      const calls = 6;
      for (let i = 0; i < calls; i++) {
        clock.set(clock.now() + 7_000);
        await ok('lock_context', { project: 'innkeeper', topic: `menu-${i}`, content: `Dish ${i}` });
      }
      const lastCall = clock.now();
      assert.ok(lastCall - firstCall < 60_000, 'a burst inside one minute');

      // The periodic job every hosted process runs (the idle sweep's timer), a moment later.
      clock.set(clock.now() + 5_000);
      await gateway.sweeper.runOnce();

      // What `dementia clients list --hosted` reads.
      const [listed] = await gateway.clients.list(tenant.schema);
      assert.equal(listed?.lastSeenAt, lastCall, 'last seen is the last call, not the first');

      // What `dementia status --json` of the tenant's desktop shows.
      await settle(desktop);
      const status = adminStatus(
        { services: desktop.gateway.services, settings: desktop.gateway.settings, mcpUrl: desktop.gateway.mcpUrl, connectionCounts: () => new Map() },
        true,
      );
      const remote = status.remoteClients.find((client) => client.name === 'claude.ai');
      assert.equal(remote?.lastSeenAt, new Date(lastCall).toISOString());
      assert.deepEqual(
        remote?.sessions.map((session) => ({ project: session.project, callCount: session.callCount, lastActivityAt: session.lastActivityAt })),
        [{ project: 'innkeeper', callCount: calls, lastActivityAt: new Date(lastCall).toISOString() }],
      );
    } finally {
      await desktop.stop({ remove: true });
      await gateway.stop();
    }
  });
});
