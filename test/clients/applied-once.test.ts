// Every tool call is applied once: the stdio bridge resends a call whose connection broke after the
// gateway committed it, and a client may send the same request twice; the second arrival is
// answered from the first execution. Checked by counting rows in the database.
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { APPLIED_CALL_RETENTION_MS } from '../../src/gateway/store/applied-calls.ts';
import { DATABASE_FILE } from '../../src/gateway/store/database.ts';
import { callerProof, CHALLENGE_PATH, gatewayProof, localKey, SESSION_PATH } from '../../src/gateway/local-proof.ts';
import { readOrCreateLocalSecret } from '../../src/gateway/local-secret.ts';
import { startTestGateway, textOf, type TestGateway, type ToolResult } from '../helpers/gateway-harness.ts';
import { connectThroughBridge, structured, type BridgeClient } from './processes.ts';

/**
 * Between the bridge and the gateway: forwards every request, and for every `every`th tools/call
 * lets the gateway answer (and commit) but resets the bridge's connection instead of replying.
 * The bridge makes the gateway prove it knows the data folder's secret on the very port it talks
 * to; this relay holds that secret too (it is part of the test), so it re-signs the two proofs of
 * that exchange for its own port and the gateway's.
 */
async function resettingProxy(target: URL, secret: string, every: number): Promise<{ server: Server; port: number; resets: () => number }> {
  let toolCalls = 0;
  let resets = 0;
  const key = localKey(secret);
  const gatewayPort = Number(target.port);
  let proxyPort = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      const parsed = body.length > 0 ? (JSON.parse(body.toString()) as Record<string, unknown>) : {};
      if (path === SESSION_PATH) {
        const scope = parsed.scope === 'admin' ? { kind: 'admin' as const } : { kind: 'client' as const, client: parsed.client as string | undefined };
        body = Buffer.from(JSON.stringify({ ...parsed, proof: callerProof(key, gatewayPort, String(parsed.nonce), scope) }));
      }
      const drop = parsed.method === 'tools/call' && ++toolCalls % every === 0;
      const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
      const upstream = request(new URL(path, target), { method: req.method, headers }, (answer) => {
        const reply: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => reply.push(chunk));
        answer.on('end', () => {
          if (drop) {
            resets++;
            req.socket.resetAndDestroy();
            return;
          }
          let out = Buffer.concat(reply);
          if (path === CHALLENGE_PATH && answer.statusCode === 200) {
            const challenge = JSON.parse(out.toString()) as { nonce: string; proof: string };
            out = Buffer.from(JSON.stringify({ ...challenge, proof: gatewayProof(key, proxyPort, String(parsed.nonce), challenge.nonce) }));
          }
          res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'content-length': String(out.length) });
          res.end(out);
        });
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxyPort = (server.address() as AddressInfo).port;
  return { server, port: proxyPort, resets: () => resets };
}

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

describe('every tool call applied once', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(() => t.stop({ remove: true }));

  const count = (sql: string, ...params: unknown[]): number => {
    const db = new Database(join(t.dataDir, DATABASE_FILE), { readonly: true });
    try {
      return db
        .prepare(sql)
        .pluck()
        .get(...params) as number;
    } finally {
      db.close();
    }
  };

  it('writes retried by the bridge after a reset that followed the commit are applied once', { timeout: 60_000 }, async () => {
    t.addClient('Reset Desktop', { project: 'once' });
    const proxy = await resettingProxy(t.url, readOrCreateLocalSecret(t.dataDir), 4);
    let bridge: BridgeClient | undefined;
    try {
      bridge = await connectThroughBridge(['--client', 'Reset Desktop'], { DEMENTIA_DATA_DIR: t.dataDir, DEMENTIA_PORT: String(proxy.port) }, t.dataDir);
      const ok = (result: ToolResult) => {
        assert.notEqual(result.isError, true, textOf(result));
        return result;
      };
      for (let i = 0; i < 20; i++) ok(await bridge.call('add_note', { kind: 'decision', text: `decision ${i}` }));
      for (let i = 0; i < 8; i++) ok(await bridge.call('lock_context', { topic: `rule-${i}`, content: `Rule ${i}.` }));
      ok(
        await bridge.call('batch_lock_contexts', {
          contexts: [1, 2, 3].map((i) => ({ topic: `batch-${i}`, content: `Batch item ${i}.` })),
        }),
      );
      for (let i = 0; i < 4; i++) ok(await bridge.call('unlock_context', { topic: `rule-${i}` }));
      const ended = ok(await bridge.call('end_session', { summary: 'Locked the rules.' }));
      assert.equal(structured(ended).project, 'once');

      assert.ok(proxy.resets() >= 9, `${proxy.resets()} calls had their answer dropped after the commit`);
      assert.equal(count("SELECT count(*) FROM notes WHERE text LIKE 'decision %'"), 20, 'add_note');
      assert.equal(count("SELECT count(*) FROM contexts WHERE label LIKE 'rule-%'"), 4, 'lock_context: one version each of the 4 still live');
      assert.equal(count("SELECT count(*) FROM archived_contexts WHERE label LIKE 'rule-%'"), 4, 'unlock_context: archived once each');
      assert.equal(
        count(
          "SELECT max(version) FROM (SELECT version FROM contexts WHERE label LIKE 'rule-%' UNION ALL SELECT version FROM archived_contexts WHERE label LIKE 'rule-%')",
        ),
        1,
      );
      assert.equal(count("SELECT count(*) FROM contexts WHERE label LIKE 'batch-%'"), 3, 'batch_lock_contexts');
      assert.equal(count("SELECT count(*) FROM handovers WHERE project_name = 'once'"), 1, 'end_session: one handover');
      assert.equal(count("SELECT count(*) FROM work_sessions WHERE project_name = 'once'"), 1, 'and no second session opened by a rerun');
    } finally {
      await bridge?.close();
      proxy.server.close();
    }
  });

  it('a client resending the same request on its session gets the first answer; a new request id runs again', async () => {
    const { token } = t.addClient('Resender', { project: 'resend' });
    const auth = { ...HEADERS, authorization: `Bearer ${token}` };
    const init = await fetch(t.url, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'resender', version: '1' } },
      }),
    });
    await init.text();
    const session = { ...auth, 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-06-18' };
    const note = (id: number, text: string, accept = HEADERS.accept) =>
      fetch(t.url, {
        method: 'POST',
        headers: { ...session, accept },
        body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'add_note', arguments: { kind: 'todo', text } } }),
      }).then((response) => response.text());

    const first = await note(7, 'write the tests');
    assert.equal(await note(7, 'write the tests'), first, 'the same answer, byte for byte');
    assert.equal(count("SELECT count(*) FROM notes WHERE project_name = 'resend'"), 1);
    await note(8, 'write the tests');
    assert.equal(count("SELECT count(*) FROM notes WHERE project_name = 'resend'"), 2, 'another request id is another call');
    await note(7, 'something else');
    assert.equal(count("SELECT count(*) FROM notes WHERE project_name = 'resend'"), 3, 'a reused id with other arguments is not mistaken for a resend');
    // Read-only tools just run again (nothing to apply twice), with their current answer.
    const status = (id: number) =>
      fetch(t.url, {
        method: 'POST',
        headers: session,
        body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'session_status', arguments: {} } }),
      }).then((r) => r.json());
    assert.ok(((await status(9)) as { result: unknown }).result);
  });

  it('the same Idempotency-Key from another session (the bridge after re-initializing) is still the same call', async () => {
    const { token } = t.addClient('Keyed', { project: 'keyed' });
    const open = async () => {
      const response = await fetch(t.url, {
        method: 'POST',
        headers: { ...HEADERS, authorization: `Bearer ${token}` },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 0,
          method: 'initialize',
          params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'k', version: '1' } },
        }),
      });
      await response.text();
      return response.headers.get('mcp-session-id')!;
    };
    const lock = async (sessionId: string) =>
      (await (
        await fetch(t.url, {
          method: 'POST',
          headers: { ...HEADERS, authorization: `Bearer ${token}`, 'mcp-session-id': sessionId, 'idempotency-key': 'k-123' },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 3,
            method: 'tools/call',
            params: { name: 'lock_context', arguments: { topic: 'keyed', content: 'once' } },
          }),
        })
      ).json()) as { result: { structuredContent: { version: number } } };
    const first = await lock(await open());
    const again = await lock(await open());
    assert.deepEqual(again, first);
    assert.equal(count("SELECT count(*) FROM contexts WHERE project_name = 'keyed'"), 1);
    // Remembered for a while, not forever: the table stays small.
    assert.ok(count('SELECT count(*) FROM applied_calls') > 0);
    t.clock.advanceMinutes(16);
    t.gateway.services.appliedCalls.prune(t.clock.now() - APPLIED_CALL_RETENTION_MS);
    assert.equal(count('SELECT count(*) FROM applied_calls'), 0);
  });
});
