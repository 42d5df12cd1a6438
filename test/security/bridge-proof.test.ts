// Issue 14 item 2: the stdio bridge proves itself without handing a reusable secret to whoever
// listens on the port, and the local secret as such opens nothing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { proveToGateway } from '../../src/gateway/bridge/gateway-proof.ts';
import { localKey, tokenKey } from '../../src/gateway/local-proof.ts';
import { spawnServe, type ServeProcess } from '../helpers/cli-process.ts';
import { tempDir } from '../helpers/gateway-harness.ts';
import { cli, connectThroughBridge, freePort, structured } from '../clients/processes.ts';

interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const INIT_RESULT = { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'dementia-companion', version: '0.1.0' } };

/**
 * A hostile process bound to the port the bridge will use. It records everything and answers like a
 * gateway would, to lure the bridge on: a made-up challenge answer, a plausible initialize result.
 * With `relayTo`, it forwards everything to the real gateway instead (a man in the middle).
 */
async function hostileListener(port: number, relayTo?: number): Promise<{ server: Server; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      if (relayTo) {
        const headers = { ...req.headers, host: `127.0.0.1:${relayTo}` };
        const forward = request({ host: '127.0.0.1', port: relayTo, method: req.method, path: req.url, headers }, (reply) => {
          res.writeHead(reply.statusCode ?? 502, reply.headers);
          reply.pipe(res);
        });
        forward.on('error', () => res.destroy());
        forward.end(body);
        return;
      }
      if (req.url?.startsWith('/local-auth/')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ nonce: randomBytes(32).toString('base64url'), proof: randomBytes(32).toString('hex') }));
        return;
      }
      const id = (() => {
        try {
          return (JSON.parse(body) as { id?: unknown }).id ?? null;
        } catch {
          return null;
        }
      })();
      res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'lure' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id, result: INIT_RESULT }));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, received };
}

const close = (server: Server) => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())));

function post(port: number, path: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
});

describe('the stdio bridge never hands a reusable secret to whoever listens on the port', () => {
  const dataDir = tempDir('dementia-bridge-proof-');
  let token: string;
  let secret: string;
  let gateway: ServeProcess | undefined;

  before(async () => {
    const added = await cli(['clients', 'add', 'Claude Desktop', '--kind', 'claude-desktop', '--json'], { DEMENTIA_DATA_DIR: dataDir });
    token = (JSON.parse(added.stdout) as { token: string }).token;
    await cli(['clients', 'add', 'Claude Code', '--kind', 'claude-code', '--json'], { DEMENTIA_DATA_DIR: dataDir });
    // The gateway ran once (it creates the local secret), then stopped: its port is free.
    const once = await spawnServe(['--port', '0'], { DEMENTIA_DATA_DIR: dataDir });
    once.child.kill('SIGTERM');
    await once.exited;
    secret = readFileSync(join(dataDir, 'local-secret'), 'utf8').trim();
  });
  after(async () => {
    gateway?.child.kill('SIGKILL');
    await gateway?.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The folder's real gateway, started once it is needed (on a port of its own). */
  async function realGateway(): Promise<number> {
    gateway ??= await spawnServe(['--port', String(await freePort())], { DEMENTIA_DATA_DIR: dataDir });
    return Number(gateway.url.port);
  }

  /** Everything the listener got must be useless against the real gateway of the folder. */
  async function assertNothingReusable(received: Received[], realPort: number): Promise<void> {
    const everything = JSON.stringify(received);
    assert.ok(!everything.includes(secret), 'the local secret never reached the listener');
    assert.ok(!everything.includes(token), 'the client token never reached the listener');
    for (const { headers, path, body } of received) {
      const authorization = headers.authorization;
      if (authorization) {
        assert.equal(
          (await post(realPort, '/mcp', { authorization, 'x-dementia-client': 'Claude Code' }, INIT)).status,
          401,
          'no credential it saw opens an MCP session',
        );
        assert.equal((await post(realPort, '/api/connect/plan', { authorization }, '{"kind":"cursor"}')).status, 401, 'nor the admin API');
      }
      if (path === '/local-auth/session') assert.notEqual((await post(realPort, path, {}, body)).status, 200, 'a proof it saw cannot be replayed');
    }
  }

  it(
    'a process bound on the configured port (no gateway running) gets nothing reusable; the bridge says it is not the gateway',
    { timeout: 30_000 },
    async () => {
      const port = await freePort();
      const env = { DEMENTIA_DATA_DIR: dataDir, DEMENTIA_PORT: String(port), DEMENTIA_BRIDGE_RETRY_SECONDS: '1' };
      const { server, received } = await hostileListener(port);
      try {
        for (const args of [
          ['--client', 'Claude Desktop'],
          ['--token', token],
        ]) {
          const failed = await connectThroughBridge(args, env, dataDir).then(
            async (bridge) => {
              const result = await bridge.call('session_status').catch((error: Error) => error);
              await bridge.close();
              return result instanceof Error ? result.message : JSON.stringify(result);
            },
            (error: Error) => error.message,
          );
          assert.match(failed, /not the Dementia Companion gateway of this data folder/, `${args[0]}: a clear refusal`);
        }
      } finally {
        await close(server);
      }
      assert.ok(received.length > 0, 'the listener was contacted');
      await assertNothingReusable(received, await realGateway());
    },
  );

  it('a relay that forwards to the real gateway (a man in the middle) is refused too: the proofs name the port', { timeout: 30_000 }, async () => {
    const realPort = await realGateway();
    const port = await freePort();
    const { server, received } = await hostileListener(port, realPort);
    try {
      // The bridge is pointed at the relay's port (no gateway.json would say so; DEMENTIA_PORT does here).
      rmSync(join(dataDir, 'gateway.json'));
      const env = { DEMENTIA_DATA_DIR: dataDir, DEMENTIA_PORT: String(port), DEMENTIA_BRIDGE_RETRY_SECONDS: '1' };
      const failed = await connectThroughBridge(['--client', 'Claude Desktop'], env, dataDir).then(
        async (bridge) => (await bridge.close(), 'connected through the relay'),
        (error: Error) => error.message,
      );
      assert.match(failed, /not the Dementia Companion gateway of this data folder/);
    } finally {
      await close(server);
    }
    await assertNothingReusable(received, realPort);
  });

  it('the real gateway: the bridge works; the local secret itself opens neither a client identity nor the admin API', { timeout: 30_000 }, async () => {
    const realPort = await realGateway();
    const env = { DEMENTIA_DATA_DIR: dataDir, DEMENTIA_PORT: String(realPort) };
    const bridge = await connectThroughBridge(['--client', 'Claude Desktop'], env, dataDir);
    try {
      assert.match(JSON.stringify(await bridge.call('session_status')), /Claude Desktop/);
      // A restart while the bridge is idle: the new gateway does not know the old session token (401); the bridge proves itself again.
      gateway!.child.kill('SIGTERM');
      await gateway!.exited;
      gateway = await spawnServe(['--port', String(realPort)], { DEMENTIA_DATA_DIR: dataDir });
      const after = await bridge.call('session_status');
      assert.ok(!after.isError, JSON.stringify(after));
      assert.match(JSON.stringify(after), /Claude Desktop/);
      assert.equal(structured(after).project, null);
    } finally {
      await bridge.close();
    }
    const bearerSecret = { authorization: `Bearer ${secret}` };
    assert.equal(
      (await post(realPort, '/mcp', { ...bearerSecret, 'x-dementia-client': 'Claude Code' }, INIT)).status,
      401,
      'the secret as a bearer is not a client',
    );
    assert.equal((await post(realPort, '/api/connect/plan', bearerSecret, '{"kind":"cursor"}')).status, 401, 'nor an admin');

    // What the proof grants is what was asked for, and a client token's key never opens the admin API.
    const base = `http://127.0.0.1:${realPort}`;
    await assert.rejects(proveToGateway(base, tokenKey(token), { kind: 'admin' }), /never opens the admin API/);
    const bridgeSession = await proveToGateway(base, localKey(secret), { kind: 'client', client: 'Claude Desktop' });
    assert.equal(
      (await post(realPort, '/api/connect/plan', { authorization: `Bearer ${bridgeSession.token}` }, '{"kind":"cursor"}')).status,
      401,
      'a bridge session is no admin',
    );
    const adminSession = await proveToGateway(base, localKey(secret), { kind: 'admin' });
    assert.equal((await post(realPort, '/mcp', { authorization: `Bearer ${adminSession.token}` }, INIT)).status, 401, 'an admin session is no client');
  });
});
