// Runs for weeks: the gateway's table of live MCP sessions stays bounded whatever clients do:
// reconnect loops, many instance keys, floods of random Mcp-Session-Id values. Closed sessions come
// back by re-attachment. Counts only, no timing: the clock is the test's.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SESSION_CAPS } from '../../src/gateway/http/connection-table.ts';
import { MAX_SUBSCRIPTIONS } from '../../src/gateway/http/resource-watchers.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway-harness.ts';

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bounds', version: '1' } },
});
const { perInstance, perClient } = DEFAULT_SESSION_CAPS;

async function initialize(url: URL, token: string, instance = ''): Promise<string> {
  const response = await fetch(url, { method: 'POST', headers: { ...HEADERS, authorization: `Bearer ${token}`, 'x-dementia-instance': instance }, body: INIT });
  await response.text();
  assert.equal(response.status, 200);
  return response.headers.get('mcp-session-id')!;
}

async function statusCall(url: URL, token: string, sessionId: string): Promise<Response> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...HEADERS, authorization: `Bearer ${token}`, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'session_status', arguments: {} } }),
  });
  return response;
}

describe('bounded session table', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(() => t.stop({ remove: true }));

  const sessionsOf = (clientId: string) => t.gateway.endpoint.list().filter((connection) => connection.caller.client.id === clientId);

  it('a reconnect loop keeps at most the per-instance cap, closing the least recently used; a closed id comes back re-attached', async () => {
    const { id, token } = t.addClient('Looping');
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) ids.push(await initialize(t.url, token));
    assert.equal(sessionsOf(id).length, perInstance);
    const live = new Set(sessionsOf(id).map((connection) => connection.id));
    assert.deepEqual([...live].sort(), ids.slice(-perInstance).sort(), 'the newest sessions are the ones kept');

    // The oldest session comes back (as after a restart): re-attached, and still within the cap.
    const response = await statusCall(t.url, token, ids[0]!);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /"result":\{"content"/);
    assert.equal(sessionsOf(id).length, perInstance);
    assert.equal(t.gateway.endpoint.list().find((connection) => connection.id === ids[0])?.reattached, true);
    assert.equal(
      t.gateway.endpoint.list().some((connection) => connection.id === ids[9]),
      false,
      'the least recently used one made room',
    );
  });

  it('many instance keys of one client stay within the per-client cap', async () => {
    const { id, token } = t.addClient('Many windows');
    for (let i = 0; i < 100; i++) {
      if (i % 25 === 24) t.clock.advanceMinutes(1); // the initialize limit is not what this test is about
      await initialize(t.url, token, `/repo/${i}`);
    }
    assert.equal(sessionsOf(id).length, perClient);
  });

  it('a flood of random session ids is rate-limited with 429 and Retry-After and never grows the table past the cap', async () => {
    const { id, token } = t.addClient('Flooder');
    const other = t.addClient('Bystander');
    const bystanderSession = await initialize(t.url, other.token);
    const statuses = new Map<number, number>();
    let refusal: { retryAfter: string | null; message: string } | undefined;
    for (let i = 0; i < 2000; i++) {
      const response = await statusCall(t.url, token, randomUUID());
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const text = await response.text();
      if (response.status === 429)
        refusal = { retryAfter: response.headers.get('retry-after'), message: (JSON.parse(text) as { error: { message: string } }).error.message };
    }
    assert.equal(statuses.get(200), 30, 'a burst of 30 re-attaches (a restart with many windows) is served');
    assert.equal(statuses.get(429), 1970);
    assert.equal(refusal?.retryAfter, '1');
    assert.match(refusal.message, /Too many unknown MCP session ids from client "Flooder".*send initialize for a new session.*retry in 1 s/);
    assert.ok(sessionsOf(id).length <= perInstance, `${sessionsOf(id).length} live sessions`);
    assert.equal(t.gateway.endpoint.stats().reattaching, 0);

    // An hour of it, a minute at a time: still bounded; other clients keep being served.
    for (let minute = 0; minute < 60; minute++) {
      t.clock.advanceMinutes(1);
      for (let i = 0; i < 80; i++) await (await statusCall(t.url, token, randomUUID())).text();
    }
    assert.ok(sessionsOf(id).length <= perInstance);
    assert.equal((await statusCall(t.url, other.token, bystanderSession)).status, 200);
  });

  it('one session holds at most MAX_SUBSCRIPTIONS resource subscriptions, with a clear refusal beyond', async () => {
    const { token } = t.addClient('Subscriber', { project: 'watched' });
    const sessionId = await initialize(t.url, token);
    const subscribe = async (id: number, label: string) => {
      const response = await fetch(t.url, {
        method: 'POST',
        headers: { ...HEADERS, authorization: `Bearer ${token}`, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({ jsonrpc: '2.0', id, method: 'resources/subscribe', params: { uri: `dementia://projects/watched/contexts/${label}` } }),
      });
      return (await response.json()) as { result?: unknown; error?: { code: number; message: string } };
    };
    for (let i = 0; i < MAX_SUBSCRIPTIONS; i++) assert.deepEqual((await subscribe(i, `label-${i}`)).result, {});
    const refused = await subscribe(9999, 'one-too-many');
    assert.equal(refused.error?.code, -32602);
    assert.match(refused.error!.message, /already watches 256 resources.*unsubscribe from some/);
    assert.deepEqual((await subscribe(10000, 'label-3')).result, {}, 'subscribing again to one it holds is fine');
  });

  it('a session id that is not visible ASCII of sane length is refused, not stored', async () => {
    const { token } = t.addClient('Odd ids');
    const before = t.gateway.endpoint.stats().connections;
    for (const odd of ['x'.repeat(129), 'has space']) {
      const response = await statusCall(t.url, token, odd);
      assert.equal(response.status, 400);
      assert.match(((await response.json()) as { error: { message: string } }).error.message, /Mcp-Session-Id must be 1 to 128 visible ASCII characters/);
    }
    assert.equal(t.gateway.endpoint.stats().connections, before);
  });
});
