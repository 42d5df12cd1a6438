// Real clients speak different protocol revisions: 2025-03-26, 2025-06-18 and 2025-11-25 over
// Streamable HTTP with JSON and SSE responses, and the session-less 2026-07-28 revision.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { connectClient, startTestGateway, textOf, type TestGateway } from '../../helpers/gateway-harness.ts';

const JSON_FIRST = 'application/json, text/event-stream';
const SSE_FIRST = 'text/event-stream, application/json';

/** Reads a JSON or SSE response into its JSON-RPC messages. */
async function messagesOf(response: Response): Promise<{ id?: number; result?: Record<string, unknown>; error?: unknown }[]> {
  const text = await response.text();
  if ((response.headers.get('content-type') ?? '').includes('text/event-stream')) {
    return text
      .split('\n')
      .filter((line) => line.startsWith('data:') && line.length > 6)
      .map((line) => JSON.parse(line.slice(5)));
  }
  const body = JSON.parse(text);
  return Array.isArray(body) ? body : [body];
}

describe('protocol revisions', () => {
  let gw: TestGateway;
  let token: string;

  before(async () => {
    gw = await startTestGateway();
    token = gw.addClient('revisions', { project: 'proto' }).token;
  });
  after(() => gw.stop({ remove: true }));

  for (const version of ['2025-03-26', '2025-06-18', '2025-11-25']) {
    for (const [mode, accept, contentType] of [
      ['JSON', JSON_FIRST, 'application/json'],
      ['SSE', SSE_FIRST, 'text/event-stream'],
    ] as const) {
      it(`serves ${version} with ${mode} responses`, async () => {
        const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept };
        const init = await fetch(gw.url, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method: 'initialize',
            params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
          }),
        });
        assert.equal(init.status, 200);
        assert.match(init.headers.get('content-type') ?? '', new RegExp(contentType));
        const sessionId = init.headers.get('mcp-session-id');
        assert.ok(sessionId);
        const [initResult] = await messagesOf(init);
        assert.equal(initResult?.result?.protocolVersion, version);
        const session = { ...headers, 'mcp-session-id': sessionId, 'mcp-protocol-version': version };
        const ack = await fetch(gw.url, { method: 'POST', headers: session, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
        assert.equal(ack.status, 202);
        const call = await fetch(gw.url, {
          method: 'POST',
          headers: session,
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 2,
            method: 'tools/call',
            params: { name: 'lock_context', arguments: { topic: `rev/${version}/${mode}`, content: 'revision test' } },
          }),
        });
        assert.equal(call.status, 200);
        const [callResult] = await messagesOf(call);
        const structured = callResult?.result?.structuredContent as { project: string; context: { version: number } };
        assert.equal(structured.project, 'proto');
        assert.equal(structured.context.version, 1);
        const closed = await fetch(gw.url, { method: 'DELETE', headers: session });
        assert.equal(closed.status, 200);
      });
    }
  }

  it('serves the SDK client over SSE responses', async () => {
    const c = await connectClient(gw.url, token, { sse: true });
    const result = await c.call('lock_context', { topic: 'sse/sdk', content: 'over SSE' });
    assert.equal(result.structuredContent?.project, 'proto');
    await c.close();
  });

  it('serves the session-less 2026-07-28 revision with the same identity and project', async () => {
    const client = new ModernClient({ name: 'modern', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new ModernTransport(gw.url, { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
    const tools = await client.listTools();
    assert.ok(tools.tools.some((tool) => tool.name === 'lock_context'));
    const locked = (await client.callTool({ name: 'lock_context', arguments: { topic: 'modern', content: 'session-less' } })) as {
      structuredContent: { project: string; workSession: { id: string } };
    };
    assert.equal(locked.structuredContent.project, 'proto');
    // The same client over a 2025 session continues the same work session: identity is the token.
    const legacy = await connectClient(gw.url, token);
    const status = await legacy.call('session_status');
    assert.equal((status.structuredContent?.workSession as { id: string }).id, locked.structuredContent.workSession.id);
    assert.match(textOf(status), /proto/);
    await legacy.close();
    await client.close();
  });

  it('lets an auto-negotiating client settle on a supported revision', async () => {
    const client = new ModernClient({ name: 'auto', version: '1' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new ModernTransport(gw.url, { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    assert.ok(['2026-07-28', '2025-11-25'].includes(client.getNegotiatedProtocolVersion() ?? ''));
    const result = (await client.callTool({ name: 'session_status', arguments: {} })) as { structuredContent: { project: string } };
    assert.equal(result.structuredContent.project, 'proto');
    await client.close();
  });
});
