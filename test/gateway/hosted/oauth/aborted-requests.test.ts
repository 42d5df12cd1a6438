import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { disposeSharedPostgres, sharedPostgres, type SharedPostgres } from '../../../helpers/postgres.ts';
import { startAuthServer, type AuthServer } from '../oauth-harness.ts';

let postgres: SharedPostgres;
let server: AuthServer;
before(async () => {
  postgres = await sharedPostgres();
  server = await startAuthServer(postgres, await postgres.createDatabase('aborted_requests'), { testRegistrationLimits: { perAddress: 1000 } });
});
after(async () => {
  await server?.close();
  await disposeSharedPostgres();
});

/** A registration whose body never arrives in full: the client goes away mid-request. */
function abortedRegistration(): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(server.port, '127.0.0.1', () => {
      socket.write(`POST /oauth/register HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"client_name":`);
      setImmediate(() => socket.destroy());
    });
    socket.on('close', () => resolve());
  });
}

describe('aborted requests do not flood the log', { timeout: 60_000 }, () => {
  it('60 registrations aborted mid-body: a few log lines with a count, the server keeps serving', async () => {
    for (let i = 0; i < 60; i++) await abortedRegistration();
    // The server answers (and has handled every aborted request) before the log is read.
    const healthy = await fetch(new URL('/.well-known/oauth-authorization-server', server.publicUrl));
    assert.equal(healthy.status, 200);
    const errors = server.logged.filter((line) => line.startsWith('error'));
    assert.ok(errors.length <= 3, `${errors.length} error lines:\n${errors.slice(0, 5).join('\n')}`);
    server.clock.advanceMinutes(2);
    await abortedRegistration();
    assert.equal((await fetch(new URL('/.well-known/oauth-authorization-server', server.publicUrl))).status, 200);
    assert.match(server.logged.at(-1) ?? '', /"repeatedSinceLastLine":59/, 'a minute later the next line says how many were left out');
  });
});
