// Reconnect storms: per-client initialize limit (429 + Retry-After) and reaping of idle connections
// by their last request, with the injected clock; memory stays flat over rounds of abandoned sessions.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway-harness.ts';
import { settledHeap } from './gc.ts';

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'storm', version: '1' } },
});

/** A client that initializes and walks away: no notifications/initialized follow-up, no DELETE. */
async function initialize(url: URL, token: string): Promise<Response> {
  const response = await fetch(url, { method: 'POST', headers: { ...HEADERS, authorization: `Bearer ${token}` }, body: INIT });
  await response.text();
  return response;
}

async function statusCall(url: URL, token: string, sessionId: string): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...HEADERS, authorization: `Bearer ${token}`, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'session_status', arguments: {} } }),
  });
  await response.text();
  return response.status;
}

describe('reconnect storms', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(() => t.stop({ remove: true }));

  it('rate-limits initialize per client with a clear 429 and Retry-After; other clients are unaffected', async () => {
    const stormy = t.addClient('Stormy').token;
    const calm = t.addClient('Calm').token;
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await initialize(t.url, stormy)).status);
    assert.deepEqual(new Set(statuses), new Set([200]), 'a burst of 30 is fine (several windows, a restart)');
    const limited = await fetch(t.url, { method: 'POST', headers: { ...HEADERS, authorization: `Bearer ${stormy}` }, body: INIT });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '1');
    assert.match(
      ((await limited.json()) as { error: { message: string } }).error.message,
      /Too many new MCP sessions from client "Stormy".*Mcp-Session-Id.*retry in 1 s/,
    );
    assert.equal((await initialize(t.url, calm)).status, 200, 'another client is not affected');
    t.clock.advanceMinutes(1 / 60);
    assert.equal((await initialize(t.url, stormy)).status, 200, 'one more after a second');
    assert.equal((await initialize(t.url, stormy)).status, 429);
    t.clock.advanceMinutes(1);
    assert.equal((await initialize(t.url, stormy)).status, 200);
    // Requests on an existing session are never limited.
    const sessionId = (await initialize(t.url, calm)).headers.get('mcp-session-id')!;
    for (let i = 0; i < 50; i++) assert.equal(await statusCall(t.url, calm, sessionId), 200);
  });

  it('reaps connections idle by their last request; a reaped id is re-attached on its next request', async () => {
    await t.gateway.endpoint.reapIdle(0);
    const token = t.addClient('Reaped').token;
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await initialize(t.url, token)).headers.get('mcp-session-id')!);
    assert.equal(t.gateway.endpoint.stats().connections, 12);
    t.clock.advanceMinutes(10);
    for (const id of ids.slice(0, 5)) assert.equal(await statusCall(t.url, token, id), 200);
    t.clock.advanceMinutes(6);
    assert.equal(await t.gateway.endpoint.reapIdle(), 7, '15 min without a request');
    assert.equal(t.gateway.endpoint.stats().connections, 5);
    t.clock.advanceMinutes(15);
    assert.equal(await t.gateway.endpoint.reapIdle(), 5);
    assert.deepEqual(t.gateway.endpoint.stats(), { connections: 0, reattaching: 0, limiterBuckets: 0 }, 'limiter buckets are pruned too');
    assert.equal(await statusCall(t.url, token, ids[0]!), 200);
    assert.equal(t.gateway.endpoint.list()[0]?.reattached, true);
  });

  it('memory stays flat over rounds of abandoned sessions that are reaped', async () => {
    await t.gateway.endpoint.reapIdle(0);
    const tokens = Array.from({ length: 25 }, (_, i) => t.addClient(`Abandoner ${i}`).token);
    const round = async () => {
      await Promise.all(
        tokens.map(async (token) => {
          for (let i = 0; i < 20; i++) await initialize(t.url, token);
        }),
      );
      assert.equal(t.gateway.endpoint.stats().connections, 25 * 16, 'at most 16 live sessions per client instance');
      t.clock.advanceMinutes(16);
      assert.equal(await t.gateway.endpoint.reapIdle(), 25 * 16);
    };
    await round();
    await round();
    const baseline = await settledHeap();
    for (let i = 0; i < 4; i++) await round();
    const heap = await settledHeap();
    assert.deepEqual(t.gateway.endpoint.stats(), { connections: 0, reattaching: 0, limiterBuckets: 0 });
    assert.ok(heap < baseline * 1.2, `heap ${(heap / 1e6).toFixed(1)} MB after 2000 more sessions vs ${(baseline / 1e6).toFixed(1)} MB`);
  });
});
