// The endpoint answers plain tools/call requests on JSON sessions itself (the SDK's web stack cost
// most of a call). Its answers must be the SDK's answers: the same requests on an SSE session (which
// always goes through the SDK) give the same JSON-RPC messages; whatever the direct path does not
// take (odd params, bad headers, batches) still gets the SDK's own answer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestGateway, type TestGateway } from '../../helpers/gateway-harness.ts';

const JSON_FIRST = 'application/json, text/event-stream';
const SSE_FIRST = 'text/event-stream, application/json';

async function messageOf(response: Response): Promise<unknown> {
  const text = await response.text();
  if ((response.headers.get('content-type') ?? '').includes('text/event-stream')) {
    const data = text.split('\n').filter((line) => line.startsWith('data:') && line.length > 6);
    return JSON.parse(data.at(-1)!.slice(5));
  }
  return JSON.parse(text);
}

describe('tools/call answered directly', () => {
  let gw: TestGateway;
  let token: string;
  before(async () => {
    gw = await startTestGateway();
    token = gw.addClient('direct', { project: 'direct' }).token;
  });
  after(() => gw.stop({ remove: true }));

  async function session(
    accept: string,
    version = '2025-11-25',
  ): Promise<{ id: string; post: (body: unknown, extra?: Record<string, string>) => Promise<Response> }> {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept };
    const init = await fetch(gw.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      }),
    });
    await init.text();
    const id = init.headers.get('mcp-session-id')!;
    const post = (body: unknown, extra: Record<string, string> = {}) =>
      fetch(gw.url, { method: 'POST', headers: { ...headers, 'mcp-session-id': id, 'mcp-protocol-version': version, ...extra }, body: JSON.stringify(body) });
    await (await post({ jsonrpc: '2.0', method: 'notifications/initialized' })).text();
    return { id, post };
  }

  const call = (id: number | string, name: unknown, args?: unknown, extra: Record<string, unknown> = {}) => ({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name, ...(args === undefined ? {} : { arguments: args }), ...extra },
  });

  it('gives the same JSON-RPC answers as the SDK, for results, tool errors and protocol errors', async () => {
    const direct = await session(JSON_FIRST);
    const viaSdk = await session(SSE_FIRST);
    await (await direct.post(call(0, 'list_projects', {}))).text(); // opens the work session both share
    const cases = [
      call(1, 'list_projects', {}),
      call('two', 'recall_context', { topic: 'missing' }),
      call(3, 'lock_context', { topic: 42 }),
      call(4, 'no_such_tool', {}),
      call(5, 'list_projects'),
      call(6, 'list_projects', {}, { _meta: { progressToken: 'p1' } }),
    ];
    for (const request of cases) {
      const fast = await direct.post(request);
      assert.equal(fast.status, 200);
      assert.equal(fast.headers.get('content-type'), 'application/json');
      assert.equal(fast.headers.get('mcp-session-id'), direct.id);
      assert.deepEqual(await messageOf(fast), await messageOf(await viaSdk.post(request)), JSON.stringify(request));
    }
    const connection = gw.gateway.endpoint.list().find((c) => c.id === direct.id)!;
    assert.equal(connection.directCalls, cases.length + 1, 'every one of them took the direct path');
    assert.equal(gw.gateway.endpoint.list().find((c) => c.id === viaSdk.id)!.directCalls, 0);
  });

  it('leaves to the SDK what it does not take, and the SDK answers as before', async () => {
    const direct = await session(JSON_FIRST);
    const connection = () => gw.gateway.endpoint.list().find((c) => c.id === direct.id)!;
    const before = connection().directCalls;

    const badArguments = await messageOf(await direct.post(call(1, 'list_projects', 'not an object')));
    assert.equal((badArguments as { error: { code: number } }).error.code, -32602);
    const badName = await messageOf(await direct.post(call(2, 7, {})));
    assert.equal((badName as { error: { code: number } }).error.code, -32602);
    const batch = (await messageOf(await direct.post([call(3, 'list_projects', {}), call(4, 'list_projects', {})]))) as unknown[];
    assert.equal(batch.length, 2);
    const wrongType = await direct.post(call(5, 'list_projects', {}), { 'content-type': 'text/plain' });
    assert.equal(wrongType.status, 415);
    const badVersion = await direct.post(call(6, 'list_projects', {}), { 'mcp-protocol-version': '1999-01-01' });
    assert.equal(badVersion.status, 400);
    assert.equal(connection().directCalls, before, 'none of these took the direct path');
  });
});
