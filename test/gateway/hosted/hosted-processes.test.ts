import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tenantSchema } from '../../../src/gateway/pg/remote-schema.ts';
import { connectClient, textOf, type ConnectedClient } from '../../helpers/gateway-harness.ts';
import { disposeSharedPostgres, freePort, sharedPostgres, type SharedPostgres } from '../../helpers/postgres.ts';
import { notificationLog } from '../../helpers/resource-notifications.ts';
import { addTenants, signedInToken, startHostedProcess } from './hosted-processes.ts';

let server: SharedPostgres;
before(async () => {
  server = await sharedPostgres();
});
after(() => disposeSharedPostgres());

const sessionOf = (result: { structuredContent?: Record<string, unknown> }) => (result.structuredContent?.workSession as { id: string } | null)?.id;

async function ok(client: ConnectedClient, tool: string, args: Record<string, unknown> = {}) {
  const result = await client.call(tool, args);
  assert.notEqual(result.isError, true, `${tool}: ${textOf(result)}`);
  return result;
}

/** A client that reconnects for every call, as Claude's HTTP clients do every 15-60 s (the seed's log). */
async function oneCall(url: URL, token: string, tool: string, args: Record<string, unknown> = {}) {
  const client = await connectClient(url, token);
  try {
    return await ok(client, tool, args);
  } finally {
    await client.close();
  }
}

describe('hosted mode: processes come and go, Postgres keeps everything (docs/design.md section 10)', { timeout: 120_000 }, () => {
  it('kill -9 right after an acknowledged write: a new process serves the write and the client keeps its project', async () => {
    const database = await server.createDatabase('hosted_kill');
    const [tenant] = await addTenants(server.url(database), 1);
    const port = await freePort();
    const env = { pgUrl: server.url(database), publicUrl: `http://127.0.0.1:${port}` };
    const first = await startHostedProcess(env, port);
    const mcp = new URL('/mcp', first.base);
    const token = await signedInToken(first.base, tenant!.apiKey, 'claude.ai');
    const client = await connectClient(mcp, token);
    await ok(client, 'create_project', { name: 'linkedin' });
    await ok(client, 'select_project_for_session', { project_name: 'linkedin' });
    const locked = await ok(client, 'lock_context', { topic: 'plan', content: 'Acknowledged just before the crash' });
    first.child.kill('SIGKILL');
    await first.exited;

    // A replacement on the same address, nothing carried over but Postgres.
    const second = await startHostedProcess(env, port);
    try {
      const recall = await oneCall(mcp, token, 'recall_context', { topic: 'plan' });
      assert.match(textOf(recall), /^Project "linkedin" · work session/);
      assert.match(textOf(recall), /Acknowledged just before the crash/);
      assert.equal(sessionOf(recall), sessionOf(locked), 'the same work session continues');
      // The old MCP session id of the killed process is served too (re-attached for the same client).
      assert.match(textOf(await client.call('session_status')), /on "linkedin"/);
    } finally {
      await client.close().catch(() => undefined);
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });

  it('two processes behind one address: one client alternating between them keeps its project and session; idle, it becomes exactly one handover with no call', async () => {
    const database = await server.createDatabase('hosted_two');
    const [tenant] = await addTenants(server.url(database), 1);
    const port = await freePort();
    // A short idle time so the sweepers of both processes run while the test waits.
    const env = { pgUrl: server.url(database), publicUrl: `http://127.0.0.1:${port}`, idleMinutes: 0.04 };
    const [a, b] = await Promise.all([startHostedProcess(env, port), startHostedProcess(env)]);
    try {
      const claude = await signedInToken(a.base, tenant!.apiKey, 'claude.ai');
      const desktop = await signedInToken(a.base, tenant!.apiKey, 'Claude Desktop');
      const urls = [new URL('/mcp', a.base), new URL('/mcp', b.base)];
      // The seed's log, on two processes: every call a new connection, alternating.
      await oneCall(urls[0]!, claude, 'list_projects');
      await oneCall(urls[1]!, claude, 'create_project', { name: 'linkedin' });
      await oneCall(urls[0]!, desktop, 'create_project', { name: 'innkeeper' });
      await oneCall(urls[1]!, desktop, 'select_project_for_session', { project_name: 'innkeeper' });
      await oneCall(urls[0]!, claude, 'select_project_for_session', { project_name: 'linkedin' });
      const sessions = new Set<string | undefined>();
      for (let i = 0; i < 6; i++) {
        const result = await oneCall(urls[i % 2]!, claude, 'lock_context', { topic: `note-${i}`, content: `written through process ${i % 2}` });
        assert.match(textOf(result), /^Project "linkedin"/, `call ${i}: claude.ai stays on linkedin`);
        sessions.add(sessionOf(result));
        const other = await oneCall(urls[(i + 1) % 2]!, desktop, 'explore_context_tree');
        assert.match(textOf(other), /^Project "innkeeper"/, `call ${i}: the desktop stays on innkeeper`);
      }
      assert.equal(sessions.size, 1, 'one work session whichever process answered');
      const [session] = [...sessions];

      // No further call: both processes sweep; exactly one handover appears.
      const schema = tenantSchema(tenant!.apiKey);
      const handovers = () => server.query<{ n: number }>(database, `SELECT count(*)::int AS n FROM "${schema}".handovers WHERE session_id = $1`, [session]);
      const deadline = Date.now() + 30_000;
      while ((await handovers())[0]!.n === 0) {
        if (Date.now() > deadline) throw new Error('no handover was written for the idle session');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await new Promise((resolve) => setTimeout(resolve, 3_000)); // several more sweeps of both processes
      assert.equal((await handovers())[0]!.n, 1, 'exactly one handover');
      const [row] = await server.query<{ summary: string }>(database, `SELECT summary FROM "${schema}".handovers WHERE session_id = $1`, [session]);
      assert.match(row!.summary, /note-0 v1[\s\S]*note-5 v1/, 'the handover has the work done through both processes');
    } finally {
      for (const p of [a, b]) p.child.kill('SIGTERM');
      await Promise.all([a.exited, b.exited]);
    }
  });

  it('two processes: a change made through one reaches the resource watchers of the other (list_changed, resources/updated)', { timeout: 30_000 }, async () => {
    const database = await server.createDatabase('hosted_notify');
    const [tenant] = await addTenants(server.url(database), 1);
    const port = await freePort();
    const env = { pgUrl: server.url(database), publicUrl: `http://127.0.0.1:${port}` }; // one public URL, as behind a balancer
    const [a, b] = await Promise.all([startHostedProcess(env, port), startHostedProcess(env)]);
    const clients: ConnectedClient[] = [];
    try {
      const watcherToken = await signedInToken(a.base, tenant!.apiKey, 'Claude Desktop');
      const writerToken = await signedInToken(a.base, tenant!.apiKey, 'claude.ai');
      const [onA, onB] = [new URL('/mcp', a.base), new URL('/mcp', b.base)];
      const writer = await connectClient(onA, writerToken);
      clients.push(writer);
      await ok(writer, 'create_project', { name: 'billing' });
      await ok(writer, 'create_project', { name: 'webshop' });
      // The watcher's event stream is open on process b; everything below is written through a.
      const watcher = await connectClient(onB, watcherToken);
      clients.push(watcher);
      await ok(watcher, 'select_project_for_session', { project_name: 'billing' });
      const log = notificationLog(watcher.client);
      await watcher.client.listResources();
      await watcher.client.subscribeResource({ uri: 'dementia://projects/billing/contexts/tax%2Frates' });

      await watcher.client.subscribeResource({ uri: 'dementia://projects/billing/contexts/marker' });

      const rates = 'updated dementia://projects/billing/contexts/tax%2Frates';
      await ok(writer, 'lock_context', { project: 'billing', topic: 'tax/rates', content: '19%' });
      await log.until(rates);
      // Its own selection of billing may have announced itself first (if its stream was open by then).
      const first = log.entries.indexOf(rates);
      const earlier = log.entries.slice(0, first).filter((entry) => entry === 'list_changed').length;
      await log.until('list_changed', earlier + 1);
      await ok(writer, 'lock_context', { project: 'webshop', topic: 'checkout', content: 'not watched' });
      // The watcher's own client moves to another project through process a: its list is another one.
      const sameClientOnA = await connectClient(onA, watcherToken);
      clients.push(sameClientOnA);
      await ok(sameClientOnA, 'select_project_for_session', { project_name: 'webshop' });
      // The GET stream keeps order: a subscribed marker shows that nothing else was announced before it.
      await ok(writer, 'lock_context', { project: 'billing', topic: 'marker', content: 'marker' });
      await log.until('updated dementia://projects/billing/contexts/marker');
      await log.until('list_changed', earlier + 3);
      assert.deepEqual(
        log.entries.slice(first),
        [rates, 'list_changed', 'list_changed', 'updated dementia://projects/billing/contexts/marker', 'list_changed'],
        'billing changed; webshop was not watched; the selection moved; billing (still listed) changed again',
      );
    } finally {
      await Promise.all(clients.map((client) => client.close()));
      for (const p of [a, b]) p.child.kill('SIGTERM');
      await Promise.all([a.exited, b.exited]);
    }
  });

  it('20 tenants with 4 clients each calling at once: no errors, no cross-tenant rows, at most the configured Postgres connections', async () => {
    const database = await server.createDatabase('hosted_bounded');
    const tenants = await addTenants(server.url(database), 20);
    const port = await freePort();
    const hosted = await startHostedProcess({ pgUrl: server.url(database), publicUrl: `http://127.0.0.1:${port}`, maxConnections: 6 }, port);
    let sampling = true;
    let most = 0;
    const sampler = (async () => {
      while (sampling) {
        const [row] = await server.query<{ n: number }>(
          database,
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'dementia-companion hosted'`,
          [database],
        );
        most = Math.max(most, row!.n);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    try {
      const mcp = new URL('/mcp', hosted.base);
      // Sign-ins four at a time: more at once from one address would trip the sign-in rate limit.
      const clients = [];
      for (const [t, tenant] of tenants.entries()) {
        clients.push(...(await Promise.all([0, 1, 2, 3].map(async (c) => ({ t, c, token: await signedInToken(hosted.base, tenant.apiKey, `client ${c}`) })))));
      }
      await Promise.all(
        clients.map(async ({ t, c, token }) => {
          const client = await connectClient(mcp, token);
          try {
            const project = `p${c}`;
            await ok(client, 'create_project', { name: project });
            await ok(client, 'select_project_for_session', { project_name: project });
            for (let i = 0; i < 3; i++) await ok(client, 'lock_context', { topic: `fact-${i}`, content: `tenant ${t} client ${c} fact ${i}` });
            const recalled = await ok(client, 'recall_context', { topic: 'fact-2' });
            assert.match(textOf(recalled), new RegExp(`tenant ${t} client ${c} fact 2`));
          } finally {
            await client.close();
          }
        }),
      );
      for (const [t, tenant] of tenants.entries()) {
        const rows = await server.query<{ content: string }>(database, `SELECT content FROM "${tenant.schema}".contexts`);
        assert.equal(rows.length, 12, `tenant ${t}: 4 clients x 3 contexts`);
        assert.ok(
          rows.every((row) => row.content.startsWith(`tenant ${t} `)),
          `tenant ${t} holds only its own rows`,
        );
      }
    } finally {
      sampling = false;
      await sampler;
      hosted.child.kill('SIGTERM');
      await hosted.exited;
    }
    assert.ok(most > 0, 'the sampler saw the pool');
    assert.ok(most <= 6, `at most 6 connections to Postgres, saw ${most}`);
  });
});
