// Invariant 3 over plain HTTP: after a gateway restart a client that keeps sending its old
// Mcp-Session-Id is served and keeps its identity, project and open work session.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { ManualClock } from '../../src/gateway/clock.ts';
import { Gateway } from '../../src/gateway/gateway.ts';
import { silentLogger } from '../../src/gateway/logger.ts';
import { resolveSettings } from '../../src/gateway/settings.ts';
import { connectClient, tempDir, textOf } from '../helpers/gateway-harness.ts';
import { notificationLog } from '../helpers/resource-notifications.ts';
import { cli, freePort, gatewayEnv, killHard, startServe, structured } from './processes.ts';

const JSON_AND_SSE = { accept: 'application/json, text/event-stream', 'content-type': 'application/json' };

/** A raw JSON-RPC POST, as a client that never re-initializes sends it. */
async function post(url: URL, headers: Record<string, string>, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { ...JSON_AND_SSE, ...headers }, body: JSON.stringify(body) });
}

const toolCall = (name: string, args: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name, arguments: args } });

describe('restart survival over HTTP', () => {
  const dataDir = tempDir();
  const clock = new ManualClock();
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  const start = async (port: number) =>
    Gateway.start({ settings: { ...resolveSettings({}, {}), port, dataDir, idleMinutes: 120 }, clock, logger: silentLogger, writeRuntimeFile: false });

  for (const mode of ['json', 'sse'] as const) {
    it(`keeps serving the old session id after a restart (${mode} responses): same client, project, work session`, async () => {
      const port = await freePort();
      let gateway = await start(port);
      const { client, token } = gateway.services.clients.add(`Cursor ${mode}`, 'cursor', null);
      const url = new URL(gateway.mcpUrl);
      const c = await connectClient(url, token, { sse: mode === 'sse' });
      await c.call('create_project', { name: `restart-${mode}` });
      await c.call('select_project_for_session', { project_name: `restart-${mode}` });
      const before = structured(await c.call('lock_context', { topic: 'plan', content: 'keep going' }));
      const sessionId = c.transport.sessionId!;
      assert.ok(sessionId);

      await gateway.stop();
      // In one process the client must get to see its sockets closed before the new server is up;
      // a real restart takes far longer than this one turn of the event loop.
      await new Promise((resolve) => setImmediate(resolve));
      clock.advanceMinutes(3);
      gateway = await start(port);
      try {
        // The same SDK client object simply goes on, with the id it already has.
        const afterRestart = structured(await c.call('recall_context', { topic: 'plan' }));
        assert.equal(c.transport.sessionId, sessionId, 'no new session was needed');
        assert.equal(afterRestart.project, `restart-${mode}`);
        assert.equal(afterRestart.workSession?.id, before.workSession?.id);
        const [connection] = gateway.endpoint.list();
        assert.equal(connection?.id, sessionId);
        assert.equal(connection?.reattached, true);
        assert.equal(connection?.caller.client.id, client.id);

        // A client process that only remembers the id (and its protocol version) is served too.
        const raw = await post(
          url,
          { authorization: `Bearer ${token}`, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' },
          toolCall('session_status'),
        );
        assert.equal(raw.status, 200);
        assert.match(await raw.text(), new RegExp(`restart-${mode}`));

        // GET (the server-to-client stream) with the old id is served as well.
        const abort = new AbortController();
        const stream = await fetch(url, {
          headers: { authorization: `Bearer ${token}`, 'mcp-session-id': sessionId, accept: 'text/event-stream' },
          signal: abort.signal,
        });
        assert.equal(stream.status, 200);
        assert.match(stream.headers.get('content-type') ?? '', /text\/event-stream/);
        // Its first bytes come at once (not at the first 15 s keep-alive); a list_changed may follow in
        // the same chunk, when this is the session's first stream since the restart.
        const first = new TextDecoder().decode((await stream.body!.getReader().read()).value);
        assert.ok(first.startsWith(': stream open\n\n'), `the stream opens at once: ${JSON.stringify(first.slice(0, 80))}`);
        abort.abort();
        await c.close();
      } finally {
        await gateway.stop();
      }
    });
  }

  it("answers unknown session ids: no or bad token 401, another client's live session 404, DELETE of a gone session 200", async () => {
    const gateway = await start(await freePort());
    try {
      const url = new URL(gateway.mcpUrl);
      // Pinned projects must exist (issue 15.6): a pin never creates one.
      for (const project of ['a', 'b']) gateway.services.projects.create(project);
      const alice = gateway.services.clients.add('Alice', 'other', 'a').token;
      const bob = gateway.services.clients.add('Bob', 'other', 'b').token;
      const aliceClient = await connectClient(url, alice);
      const aliceSession = aliceClient.transport.sessionId!;
      const unknown = '9f1c7a52-0d1e-4b3e-8d7e-000000000000';

      const noToken = await post(url, { 'mcp-session-id': unknown }, toolCall('session_status'));
      assert.equal(noToken.status, 401);
      assert.match(noToken.headers.get('www-authenticate') ?? '', /^Bearer/);
      const badToken = await post(url, { authorization: 'Bearer dct_not-a-token', 'mcp-session-id': unknown }, toolCall('session_status'));
      assert.equal(badToken.status, 401);
      const stolen = await post(url, { authorization: `Bearer ${bob}`, 'mcp-session-id': aliceSession }, toolCall('session_status'));
      assert.equal(stolen.status, 404);
      assert.doesNotMatch(await stolen.text(), /Alice|\ba\b/);
      const gone = await fetch(url, { method: 'DELETE', headers: { authorization: `Bearer ${bob}`, 'mcp-session-id': unknown } });
      assert.equal(gone.status, 200);
      // Alice's session is untouched by all of that.
      assert.equal(structured(await aliceClient.call('session_status')).project, 'a');
      await aliceClient.close();
    } finally {
      await gateway.stop();
    }
  });

  it('a kill -9 of the serve process: the old session id is served by the new process, same project', async () => {
    const dir = tempDir();
    const env = gatewayEnv(dir, await freePort());
    let served = await startServe(env);
    try {
      const { token } = JSON.parse((await cli(['clients', 'add', 'Claude Code', '--project', 'pinned-app', '--json'], env)).stdout) as { token: string };
      const c = await connectClient(served.url, token);
      await c.call('lock_context', { topic: 't', content: 'before kill' });
      const sessionId = c.transport.sessionId!;
      await killHard(served);
      served = await startServe(env);
      const result = await c.call('recall_context', { topic: 't' });
      assert.match(textOf(result), /before kill/);
      assert.equal(structured(result).project, 'pinned-app');
      assert.equal(c.transport.sessionId, sessionId);
      await c.close();
    } finally {
      await killHard(served);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(
    'an event stream that comes back after a restart starts with list_changed: what changed meanwhile never reached the client',
    { timeout: 30_000 },
    async () => {
      const port = await freePort();
      let gateway = await start(port);
      const { token } = gateway.services.clients.add('Claude Desktop', 'claude-desktop', null);
      const c = await connectClient(new URL(gateway.mcpUrl), token);
      const log = notificationLog(c.client);
      await c.call('create_project', { name: 'restart-watch' });
      await c.call('select_project_for_session', { project_name: 'restart-watch' });
      await c.client.listResources();
      await gateway.stop();
      await new Promise((resolve) => setImmediate(resolve));
      const heardBefore = log.entries.filter((entry) => entry === 'list_changed').length;
      gateway = await start(port);
      const restarted = gateway;
      // Written before the client's stream is back (it waits a second before it tries again): no
      // stream could carry a notification of it.
      restarted.services.db.transaction(() =>
        restarted.services.contexts.lock('restart-watch', 'written/meanwhile', 'while the client was away', undefined, undefined, {
          clientId: crypto.randomUUID(),
          sessionId: crypto.randomUUID(),
        }),
      )();
      try {
        // The SDK client re-opens its event stream by itself, with the session id it has.
        await log.until('list_changed', heardBefore + 1);
        const [connection] = gateway.endpoint.list();
        assert.equal(connection?.reattached, true);
        assert.equal(connection?.mayHaveMissedChanges, false, 'told once, on its first stream');
        const listed = await c.client.listResources();
        assert.ok(listed.resources.some((resource) => resource.uri === 'dementia://projects/restart-watch/contexts/written%2Fmeanwhile'));
        await c.close();
      } finally {
        await gateway.stop();
      }
    },
  );
});
