// Invariant 8 and the security list of issue 4: each case is one assertion against a real gateway.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/gateway/clock.ts';
import { Gateway } from '../../src/gateway/gateway.ts';
import { createLogger } from '../../src/gateway/logger.ts';
import { newToken } from '../../src/gateway/secrets.ts';
import { resolveSettings } from '../../src/gateway/settings.ts';
import { connectClient, tempDir } from '../helpers/gateway-harness.ts';

interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** node:http, because fetch does not let a caller choose the Host header. */
function raw(port: number, options: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path ?? '/mcp', headers: options.headers, setHost: false },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
});
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

describe('security', () => {
  const parent = tempDir();
  const dataDir = join(parent, 'fresh-data-folder');
  const logLines: string[] = [];
  let gateway: Gateway;
  let port: number;
  let token: string;
  let host: string;

  before(async () => {
    const settings = { ...resolveSettings({}, {}), port: 0, dataDir };
    gateway = await Gateway.start({ settings, clock: new ManualClock(), logger: createLogger((line) => logLines.push(line)) });
    port = gateway.port;
    host = `127.0.0.1:${port}`;
    token = gateway.services.clients.add('Sec', 'other', 'sec').token;
  });
  after(async () => {
    await gateway.stop();
    rmSync(parent, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 only', async () => {
    assert.equal(gateway.settings.host, '127.0.0.1');
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && !address.internal && address.family === 'IPv4');
    if (external) {
      const refused = await new Promise<string>((resolve) => {
        const socket = connect(port, external.address);
        socket.on('connect', () => (socket.destroy(), resolve('connected')));
        socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      });
      assert.equal(refused, 'ECONNREFUSED', `not reachable on ${external.address}`);
    }
    assert.equal((await raw(port, { path: '/healthz', headers: { host } })).status, 200);
  });

  it('rejects a Host that is not loopback with our port, 403 without details (DNS rebinding)', async () => {
    for (const bad of [
      'evil.example',
      `evil.example:${port}`,
      '127.0.0.1',
      `127.0.0.1:${port + 1}`,
      `127.0.0.1.evil.example:${port}`,
      `localhost.:${port}`,
      `0.0.0.0:${port}`,
    ]) {
      const reply = await raw(port, { method: 'POST', headers: { host: bad, authorization: `Bearer ${token}`, ...MCP_HEADERS }, body: INIT });
      assert.equal(reply.status, 403, bad);
      assert.deepEqual(JSON.parse(reply.body), { error: 'Forbidden' }, 'no details');
    }
    // Node refuses an HTTP/1.1 request without Host itself (400) before the gateway sees it.
    assert.ok([400, 403].includes((await raw(port, { path: '/healthz', headers: {} })).status), 'no Host at all');
    for (const good of [host, `localhost:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
      assert.equal((await raw(port, { path: '/healthz', headers: { host: good } })).status, 200, good);
    }
  });

  it('rejects a present Origin that is not local, 403 without details', async () => {
    for (const origin of ['http://evil.example', 'null', 'https://127.0.0.1.evil.example', 'file://', 'chrome-extension://abc', 'http://192.168.1.5:3000']) {
      const reply = await raw(port, { method: 'POST', headers: { host, origin, authorization: `Bearer ${token}`, ...MCP_HEADERS }, body: INIT });
      assert.equal(reply.status, 403, origin);
      assert.equal(reply.body, '{"error":"Forbidden"}');
    }
    for (const origin of [`http://127.0.0.1:${port}`, 'http://localhost:3000', 'http://[::1]:8080']) {
      assert.equal(
        (await raw(port, { method: 'POST', headers: { host, origin, authorization: `Bearer ${token}`, ...MCP_HEADERS }, body: INIT })).status,
        200,
        origin,
      );
    }
  });

  it('requires a valid token on every MCP request (401 with a Bearer challenge, no OAuth hints)', async () => {
    for (const authorization of [
      undefined,
      'Bearer',
      `Basic ${Buffer.from(`x:${token}`).toString('base64')}`,
      `Bearer ${newToken()}`,
      `Bearer ${token}x`,
      `Bearer ${token.slice(0, -1)}`,
    ]) {
      const reply = await raw(port, { method: 'POST', headers: { host, ...MCP_HEADERS, ...(authorization ? { authorization } : {}) }, body: INIT });
      assert.equal(reply.status, 401, authorization);
      assert.equal(reply.headers['www-authenticate'], 'Bearer realm="dementia-companion"', 'no resource_metadata: no OAuth discovery');
    }
  });

  it('/healthz answers without a token and says only that this is the gateway and its version (no pid)', async () => {
    const reply = await raw(port, { path: '/healthz', headers: { host } });
    assert.equal(reply.status, 200);
    assert.deepEqual(JSON.parse(reply.body), { ok: true, app: 'dementia-companion', version: JSON.parse(reply.body).version });
    assert.match(JSON.parse(reply.body).version, /^\d+\.\d+\.\d+/);
    assert.doesNotMatch(reply.body, new RegExp(`\\b${process.pid}\\b`), 'no process id');
  });

  it('publishes no OAuth discovery metadata', async () => {
    for (const path of [
      '/.well-known/oauth-authorization-server',
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/openid-configuration',
      '/register',
      '/authorize',
      '/token',
    ]) {
      assert.equal((await raw(port, { path, headers: { host } })).status, 404, path);
    }
  });

  it('tokens: 32 random bytes, stored only as a hash, rotatable (the old one stops at once)', async () => {
    assert.match(token, /^dct_[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(token.slice(4), 'base64url').length, 32);
    assert.notEqual(newToken(), newToken());
    const stored = gateway.services.db.prepare("SELECT token_hash FROM clients WHERE name = 'Sec'").pluck().get() as string;
    assert.match(stored, /^[0-9a-f]{64}$/);
    gateway.services.db.pragma('wal_checkpoint(TRUNCATE)');
    for (const file of readdirSync(dataDir)) assert.ok(!readFileSync(join(dataDir, file)).includes(token), `${file} never holds the token`);

    const client = await connectClient(new URL(gateway.mcpUrl), token);
    const id = gateway.services.clients.byName('Sec')!.id;
    const fresh = gateway.services.clients.rotateToken(id);
    await assert.rejects(client.call('session_status'), /401|Unauthorized/);
    const rotated = await connectClient(new URL(gateway.mcpUrl), fresh);
    assert.equal((await rotated.call('session_status')).isError, undefined);
    await rotated.close();
    await client.close().catch(() => {});
    token = fresh;
  });

  it('compares token digests in constant time', () => {
    const source = readFileSync(new URL('../../src/gateway/secrets.ts', import.meta.url), 'utf8');
    assert.match(source, /timingSafeEqual\(left, right\)/);
    const store = readFileSync(new URL('../../src/gateway/store/clients.ts', import.meta.url), 'utf8');
    assert.match(store, /digestsEqual\(row\.token_hash, hash\)/);
  });

  it('caps request bodies with a clear 413, before reading a declared oversize body', async () => {
    const big = Buffer.alloc(8 * 1024 * 1024 + 10, 0x20);
    const streamed = await raw(port, {
      method: 'POST',
      headers: { host, authorization: `Bearer ${token}`, ...MCP_HEADERS, 'transfer-encoding': 'chunked' },
      body: big,
    });
    assert.equal(streamed.status, 413);
    assert.match(JSON.parse(streamed.body).error.message, /exceeds the limit of 8388608 bytes/);
    const declared = await raw(port, {
      method: 'POST',
      headers: { host, authorization: `Bearer ${token}`, ...MCP_HEADERS, 'content-length': String(big.length) },
      body: big,
    });
    assert.equal(declared.status, 413);
    assert.match(declared.body, /the limit is 8388608 bytes/);
  });

  it('sends no CORS wildcard anywhere', async () => {
    const replies = [
      await raw(port, { method: 'OPTIONS', headers: { host, origin: 'http://localhost:3000', 'access-control-request-method': 'POST' } }),
      await raw(port, { method: 'POST', headers: { host, origin: 'http://localhost:3000', authorization: `Bearer ${token}`, ...MCP_HEADERS }, body: INIT }),
      await raw(port, { path: '/healthz', headers: { host } }),
      await raw(port, { path: '/api/status', headers: { host } }),
      await raw(port, { path: '/', headers: { host } }),
    ];
    for (const reply of replies) assert.notEqual(reply.headers['access-control-allow-origin'], '*');
  });

  it('keeps secrets out of logs and URLs', async () => {
    await raw(port, { method: 'POST', headers: { host, authorization: `Bearer ${token}zz`, ...MCP_HEADERS }, body: INIT });
    await raw(port, { method: 'POST', path: `/mcp?token=${token}`, headers: { host, authorization: `Bearer ${token}`, ...MCP_HEADERS }, body: '{not json' });
    const log = logLines.join('\n');
    assert.ok(!log.includes(token) && !log.includes(gateway.localSecret), 'no token or local secret in the log');
    assert.ok(!gateway.mcpUrl.includes(token));
  });

  it('files holding secrets are private: data folder 0700, local secret, runtime file and folder lock 0600', () => {
    assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dataDir, 'local-secret')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dataDir, 'gateway.json')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dataDir, 'gateway.lock')).mode & 0o777, 0o600);
  });
});
