import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectClient, textOf } from '../../helpers/gateway-harness.ts';
import { disposeSharedPostgres, freePort, sharedPostgres, type SharedPostgres } from '../../helpers/postgres.ts';
import { addTenants, callOnSession, signedInToken, startHostedProcess } from './hosted-processes.ts';

let server: SharedPostgres;
before(async () => {
  server = await sharedPostgres();
});
after(() => disposeSharedPostgres());

describe('hosted mode: a session id belongs to its tenant and client on every process (issue 20 item 8)', { timeout: 120_000 }, () => {
  it("tenant B sending tenant A's Mcp-Session-Id to a process that did not issue it gets 404, and A's session goes on there", async () => {
    const database = await server.createDatabase('session_takeover');
    const [tenantA, tenantB] = await addTenants(server.url(database), 2);
    const port = await freePort();
    const env = { pgUrl: server.url(database), publicUrl: `http://127.0.0.1:${port}` };
    const [issuer, other] = await Promise.all([startHostedProcess(env, port), startHostedProcess(env)]);
    try {
      const tokenA = await signedInToken(issuer.base, tenantA!.apiKey, 'claude.ai');
      const tokenB = await signedInToken(issuer.base, tenantB!.apiKey, 'claude.ai');
      const alice = await connectClient(new URL('/mcp', issuer.base), tokenA);
      const sessionId = alice.transport.sessionId;
      assert.ok(sessionId, 'the issuing process gave A a session id');
      await alice.call('create_project', { name: 'alice-only' });

      // B presents A's session id to the process that never saw it.
      const taken = await callOnSession(new URL('/mcp', other.base), tokenB, sessionId, 'list_projects');
      assert.equal(taken.status, 404, `B was served on A's session id: ${taken.text}`);
      assert.match(taken.text, /Session not found/);

      // A's session id still works on both processes, as A's.
      const elsewhere = await callOnSession(new URL('/mcp', other.base), tokenA, sessionId, 'list_projects');
      assert.equal(elsewhere.status, 200, elsewhere.text);
      assert.match(elsewhere.text, /alice-only/);
      assert.match(textOf(await alice.call('list_projects')), /alice-only/);

      // And B, on its own process now holding A's session, is still refused.
      const again = await callOnSession(new URL('/mcp', other.base), tokenB, sessionId, 'list_projects');
      assert.equal(again.status, 404, again.text);
      await alice.close();
    } finally {
      for (const process of [issuer, other]) process.child.kill('SIGTERM');
      await Promise.all([issuer.exited, other.exited]);
    }
  });

  it('another client of the same tenant cannot re-attach the session id either', async () => {
    const database = await server.createDatabase('session_takeover_client');
    const [tenant] = await addTenants(server.url(database), 1);
    const port = await freePort();
    const env = { pgUrl: server.url(database), publicUrl: `http://127.0.0.1:${port}` };
    const [issuer, other] = await Promise.all([startHostedProcess(env, port), startHostedProcess(env)]);
    try {
      const claude = await signedInToken(issuer.base, tenant!.apiKey, 'claude.ai');
      const desktop = await signedInToken(issuer.base, tenant!.apiKey, 'Claude Desktop');
      const client = await connectClient(new URL('/mcp', issuer.base), claude);
      const sessionId = client.transport.sessionId!;
      const taken = await callOnSession(new URL('/mcp', other.base), desktop, sessionId, 'session_status');
      assert.equal(taken.status, 404, taken.text);
      const own = await callOnSession(new URL('/mcp', other.base), claude, sessionId, 'session_status');
      assert.equal(own.status, 200, own.text);
      await client.close();
    } finally {
      for (const process of [issuer, other]) process.child.kill('SIGTERM');
      await Promise.all([issuer.exited, other.exited]);
    }
  });
});
