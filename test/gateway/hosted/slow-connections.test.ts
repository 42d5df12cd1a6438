import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { disposeSharedPostgres, sharedPostgres, type SharedPostgres } from '../../helpers/postgres.ts';
import { startAuthServer, type AuthServer } from './oauth-harness.ts';

let postgres: SharedPostgres;
let server: AuthServer;
before(async () => {
  postgres = await sharedPostgres();
  // Short timeouts injected so the test need not wait the real ones (HOSTED_CONNECTION_LIMITS).
  server = await startAuthServer(postgres, await postgres.createDatabase('slow_connections'), {
    connectionLimits: { perAddress: 4, headersTimeoutMs: 2_000, requestTimeoutMs: 3_000, checkEveryMs: 200 },
  });
});
after(async () => {
  await server?.close();
  await disposeSharedPostgres();
});

/** A slowloris connection: request line and one header, then nothing. Resolves once connected; `closed` when the server closes it. */
function slowConnection(): Promise<{ socket: Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1', () => {
      socket.write('GET /.well-known/oauth-authorization-server HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      resolve({ socket, closed });
    });
    const closed = new Promise<void>((done) => socket.on('close', () => done()));
    socket.on('error', () => {});
    // Read what the server sends (its 408), so that its closing is seen.
    socket.resume();
    socket.once('error', reject);
  });
}

describe('slow connections (slowloris) cannot hold the server', { timeout: 60_000 }, () => {
  it('one address gets at most its share of connections; slow ones are closed after the header timeout; then the server answers', async () => {
    const slow = await Promise.all(Array.from({ length: 4 }, () => slowConnection()));
    const extra = await slowConnection();
    // The fifth connection from the same address is closed at once, before any timeout.
    await extra.closed;
    assert.ok(
      slow.every(({ socket }) => !socket.destroyed),
      'the first four are still open when the fifth is refused',
    );
    await Promise.all(slow.map(({ closed }) => closed));
    const answer = await fetch(new URL('/.well-known/oauth-authorization-server', server.publicUrl));
    assert.equal(answer.status, 200);
  });

  it('behind a trusted proxy, every connection comes from its address: no cap per address there, the process cap still holds', async () => {
    const behindProxy = await startAuthServer(postgres, await postgres.createDatabase('slow_connections_proxy'), {
      trustedProxies: 1,
      connectionLimits: { perAddress: 4, maxConnections: 6 },
    });
    try {
      const open = () =>
        new Promise<Socket>((resolve) => {
          const socket = connect(behindProxy.port, '127.0.0.1', () => resolve(socket));
          socket.on('error', () => {});
        });
      const sockets = await Promise.all(Array.from({ length: 6 }, open));
      const closedOver = new Promise<void>((done) => void open().then((socket) => socket.on('close', () => done())));
      await closedOver; // the seventh is over the process cap
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(
        sockets.map((socket) => socket.destroyed),
        [false, false, false, false, false, false],
        'six connections from the proxy address stay open (per-address cap is 4)',
      );
      for (const socket of sockets) socket.destroy();
    } finally {
      await behindProxy.close();
    }
  });
});
