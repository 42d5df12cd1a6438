import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { disposeSharedPostgres, freePort, sharedPostgres, type SharedPostgres } from '../../../helpers/postgres.ts';
import { startAuthServer, type AuthServer } from '../oauth-harness.ts';
import { authorizationUrl, CookieJar, pkce, visit } from '../oauth-raw.ts';

let postgres: SharedPostgres;
let server: AuthServer;
/** A listening TCP port (as Postgres or an internal service would be) that counts who connects. */
let listener: Server;
let listenerV6: Server | undefined;
let port: number;
let connections = 0;
const sockets: Socket[] = [];

function countingServer(): Server {
  return createServer((socket) => {
    connections++;
    sockets.push(socket);
  });
}

before(async () => {
  postgres = await sharedPostgres();
  // No test CA here: this is the server as an operator runs it.
  server = await startAuthServer(postgres, await postgres.createDatabase('cimd_ssrf'));
  port = await freePort();
  listener = countingServer();
  await new Promise<void>((resolve) => listener.listen(port, '127.0.0.1', () => resolve()));
  listenerV6 = countingServer();
  await new Promise<void>((resolve) => {
    listenerV6!.once('error', () => {
      listenerV6 = undefined;
      resolve();
    });
    listenerV6!.listen(port, '::1', () => resolve());
  });
});
after(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  if (listenerV6) await new Promise<void>((resolve) => listenerV6!.close(() => resolve()));
  await server?.close();
  await disposeSharedPostgres();
});

describe('client ID metadata documents: no connection to this machine or private networks (SSRF)', { timeout: 120_000 }, () => {
  it('a client_id on a loopback, private or special-use address, or a name resolving to loopback, is refused before any connection', async () => {
    const targets = [
      `https://127.0.0.1:${port}/doc`,
      `https://localhost:${port}/doc`,
      `https://[::1]:${port}/doc`,
      `https://[::ffff:127.0.0.1]:${port}/doc`,
      `https://10.0.0.1:${port}/doc`,
      `https://192.168.1.1:${port}/doc`,
      `https://169.254.169.254/latest/meta-data`,
      `https://100.64.0.1:${port}/doc`,
      `https://[fd00::1]:${port}/doc`,
      `https://0.0.0.0:${port}/doc`,
    ];
    for (const clientId of targets) {
      const response = await visit(
        authorizationUrl(server.publicUrl, {
          clientId,
          redirectUri: 'http://127.0.0.1/callback',
          ...(({ challenge }) => ({ challenge, method: 'S256' }))(pkce()),
        }),
        new CookieJar(),
      );
      assert.equal(response.status, 400, clientId);
      assert.equal(response.headers.get('location'), null, clientId);
      assert.match(await response.text(), /does not know the client/, clientId);
    }
    assert.equal(connections, 0, 'the listening port never saw a connection');
    const refusals = server.logged.filter((line) => /not a public address/.test(line));
    assert.ok(refusals.length >= targets.length - 1, `each refusal is logged with its reason: ${server.logged.join('\n')}`);
  });
});
