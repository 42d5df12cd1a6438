// Invariant 1 in hosted mode: a client's config may pin its project with X-Dementia-Project (Claude
// Code's remote servers send headers), under the same rules as locally: the pinned project is used
// when the call names none, and a pin naming no project is refused, never created.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ManualClock } from '../../../src/gateway/clock.ts';
import { HostedGateway } from '../../../src/gateway/hosted/hosted-gateway.ts';
import { resolveHostedSettings } from '../../../src/gateway/hosted/hosted-settings.ts';
import { createHostedAuth } from '../../../src/gateway/hosted/oauth/create-hosted-auth.ts';
import { silentLogger } from '../../../src/gateway/logger.ts';
import { disposeSharedPostgres, sharedPostgres } from '../../helpers/postgres.ts';
import type { ToolResult } from '../../helpers/gateway-harness.ts';
import { connectWithOAuth, TestOAuthClient } from './oauth-harness.ts';

describe('hosted mode honours X-Dementia-Project like local mode', { timeout: 120_000 }, () => {
  let gateway: HostedGateway;
  let mcpUrl: URL;
  const client = new TestOAuthClient({ name: 'Claude Code', redirectUri: 'http://127.0.0.1:33418/callback' });

  before(async () => {
    const pg = await sharedPostgres();
    const database = await pg.createDatabase('hosted_pin');
    const settings = resolveHostedSettings({}, { DEMENTIA_PG_URL: pg.url(database), DEMENTIA_PORT: '0' });
    gateway = await HostedGateway.start({ settings, createAuth: createHostedAuth, clock: new ManualClock(Date.now()), logger: silentLogger });
    mcpUrl = new URL(gateway.mcpUrl);
    const { apiKey } = await gateway.tenants.add({ label: 'alice' });
    await connectWithOAuth({ mcpUrl }, 'http', client, apiKey);
    for (const name of ['billing-api', 'webshop']) assert.notEqual((await call({}, 'create_project', { name })).isError, true);
  });
  after(async () => {
    await gateway.stop();
    await disposeSharedPostgres();
  });

  /** One tool call through the real SDK client, signed in, with the given request headers. */
  async function call(headers: Record<string, string>, name: string, args: Record<string, unknown> = {}): Promise<ToolResult> {
    const mcp = new Client({ name: 'pin-test', version: '1.0.0' });
    await mcp.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: client, requestInit: { headers } }));
    try {
      return (await mcp.callTool({ name, arguments: args })) as ToolResult;
    } finally {
      await mcp.close();
    }
  }
  const textOf = (result: ToolResult): string => result.content.map((part) => part.text ?? '').join('\n');

  it('a call without a project goes to the pinned project', async () => {
    const result = await call({ 'X-Dementia-Project': 'webshop' }, 'lock_context', { topic: 'api', content: 'Cursor pagination' });
    assert.notEqual(result.isError, true, textOf(result));
    assert.equal(result.structuredContent?.project, 'webshop');
    assert.equal(result.structuredContent?.projectSource, 'pinned');
    const recalled = await call({}, 'recall_context', { project: 'webshop', topic: 'api' });
    assert.match(textOf(recalled), /Cursor pagination/);
  });

  it('X-Dementia-Project: billng-api is refused with "did you mean" and the list, as locally; nothing is created', async () => {
    const result = await call({ 'X-Dementia-Project': 'billng-api' }, 'lock_context', { topic: 'a', content: 'b' });
    assert.equal(result.isError, true);
    assert.match(
      textOf(result),
      /UNKNOWN_PROJECT: Project "billng-api", pinned in this client's config \(X-Dementia-Project\), does not exist; nothing was done\. Fix: Did you mean "billing-api"\? Existing projects: billing-api, webshop\. .*create_project\(name="billng-api"\)/,
    );
    const listed = await call({}, 'list_projects');
    assert.deepEqual(
      (listed.structuredContent?.projects as { name: string }[]).map((p) => p.name),
      ['billing-api', 'webshop'],
    );
  });
});
