import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../../src/gateway/clock.ts';
import { HostedGateway } from '../../../src/gateway/hosted/hosted-gateway.ts';
import { resolveHostedSettings } from '../../../src/gateway/hosted/hosted-settings.ts';
import { createHostedAuth } from '../../../src/gateway/hosted/oauth/create-hosted-auth.ts';
import { silentLogger } from '../../../src/gateway/logger.ts';
import { chromiumMissing } from '../../renderer/helpers/browser.ts';
import { FlakyLink } from '../../helpers/postgres.ts';
import { callTool, connectWithOAuth, mcpRequest, postgresAndBrowser, TestOAuthClient } from './oauth-harness.ts';

const shared = postgresAndBrowser();
const CLAUDE_CALLBACK = 'https://claude.ai/api/mcp/auth_callback';

/** The real hosted gateway (`serve --hosted`'s composition) with this OAuth: clients sign in, then use the tools. */
describe('hosted gateway: a client signs in with OAuth, then works with its memory', { skip: chromiumMissing(), timeout: 180_000 }, () => {
  let gateway: HostedGateway;
  let link: FlakyLink;
  let apiKey: string;
  let mcpUrl: URL;
  const clock = new ManualClock(Date.now());

  before(async () => {
    const database = await shared.pg.createDatabase('hosted_oauth');
    link = new FlakyLink(shared.pg.port);
    await link.up();
    const settings = resolveHostedSettings(
      {},
      { DEMENTIA_PG_URL: shared.pg.url(database).replace(`:${shared.pg.port}/`, `:${link.port}/`), DEMENTIA_PORT: '0' },
    );
    gateway = await HostedGateway.start({ settings, createAuth: createHostedAuth, clock, logger: silentLogger });
    mcpUrl = new URL(gateway.mcpUrl);
    apiKey = (await gateway.tenants.add({ label: 'alice' })).apiKey;
  });
  after(async () => {
    await gateway.stop();
    await link.down();
  });

  const ok = async (client: TestOAuthClient, tool: string, args: Record<string, unknown> = {}) => {
    const result = await callTool(mcpUrl, client, tool, args);
    assert.equal(result.isError, false, `${tool}: ${result.text}`);
    return result.text;
  };

  it('claude.ai signs in on the page and gets the tools; a second client keeps its own project; a fresh connection flow continues the first', async () => {
    assert.equal((await mcpRequest({ mcpUrl }, undefined)).status, 401);
    const claude = new TestOAuthClient({ name: 'claude.ai', redirectUri: CLAUDE_CALLBACK, authMethod: 'client_secret_post' });
    await connectWithOAuth({ mcpUrl }, shared.browser, claude, apiKey, { screenshot: 'test-artifacts/hosted-gateway-sign-in.png' });

    const unselected = await callTool(mcpUrl, claude, 'lock_context', { topic: 'api', content: 'Cursor pagination' });
    assert.match(unselected.text, /PROJECT_SELECTION_REQUIRED/);
    await ok(claude, 'create_project', { name: 'innkeeper' });
    await ok(claude, 'select_project_for_session', { project_name: 'innkeeper' });
    await ok(claude, 'lock_context', { topic: 'api', content: 'Cursor pagination, 50 per page' });
    assert.match(await ok(claude, 'recall_context', { topic: 'api' }), /Cursor pagination, 50 per page/);
    assert.match(await ok(claude, 'session_status'), /claude\.ai/);

    const desktop = new TestOAuthClient({ name: 'Claude Desktop', redirectUri: CLAUDE_CALLBACK, authMethod: 'client_secret_post' });
    await connectWithOAuth({ mcpUrl }, 'http', desktop, apiKey);
    await ok(desktop, 'create_project', { name: 'home-lab' });
    await ok(desktop, 'select_project_for_session', { project_name: 'home-lab' });
    assert.match(await ok(claude, 'session_status'), /innkeeper/, 'one grant, one client: claude.ai keeps its project');

    claude.forgetEverything();
    await connectWithOAuth({ mcpUrl }, 'http', claude, apiKey);
    assert.match(await ok(claude, 'recall_context', { topic: 'api' }), /50 per page/, 'the re-registered claude.ai is the same client, on its project');
    assert.deepEqual(
      (await gateway.clients.list((await gateway.tenants.list())[0]!.schema)).map((c) => c.name),
      ['claude.ai', 'Claude Desktop'],
    );
  });

  it('Postgres unreachable: a client signed in a moment ago reaches its tool call, which says nothing was saved; then all recovers', async () => {
    const client = new TestOAuthClient({ name: 'Claude Code', redirectUri: 'http://127.0.0.1:33418/callback' });
    await connectWithOAuth({ mcpUrl }, 'http', client, apiKey);
    await ok(client, 'create_project', { name: 'outage' });
    await link.down();
    try {
      const failed = await callTool(mcpUrl, client, 'lock_context', { project: 'outage', topic: 'x', content: 'y' });
      assert.equal(failed.isError, true);
      assert.match(failed.text, /STORE_UNREACHABLE|cannot be reached right now; nothing was saved/);
    } finally {
      await link.up();
    }
    await ok(client, 'lock_context', { project: 'outage', topic: 'x', content: 'saved once the store is back' });
  });

  it('the operator revokes a client: its next request is refused', async () => {
    const client = new TestOAuthClient({ name: 'Cursor', redirectUri: 'http://127.0.0.1:7000/cb' });
    const tokens = await connectWithOAuth({ mcpUrl }, 'http', client, apiKey);
    await ok(client, 'list_projects');
    const tenant = (await gateway.tenants.list())[0]!.schema;
    await gateway.clients.revoke(tenant, 'Cursor');
    assert.equal((await mcpRequest({ mcpUrl }, tokens.access_token)).status, 401);
  });
});
