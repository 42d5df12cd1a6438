import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../src/gateway/clock.ts';
import { createServices } from '../../src/gateway/services.ts';
import { DATABASE_FILE, openDatabase } from '../../src/gateway/store/database.ts';
import { tenantSchema } from '../../src/gateway/pg/remote-schema.ts';
import { SYNCED_TABLES } from '../../src/gateway/pg/remote-schema.ts';
import { TenantDirectory } from '../../src/gateway/hosted/tenant-directory.ts';
import { Pool as PgPool } from 'pg';
import { adminAuth } from '../helpers/admin-auth.ts';
import { connectClient, tempDir, textOf } from '../helpers/gateway-harness.ts';
import { disposeSharedPostgres, FlakyLink, freePort, sharedPostgres, type SharedPostgres } from '../helpers/postgres.ts';
import { assertOnline, settle, startMachine, type Machine } from './sync-harness.ts';

let pg: SharedPostgres;
let keyCounter = 0;
/** A fresh tenant per test: its own API key, hence its own schema. */
const newKey = () => `test-key-${process.pid}-${++keyCounter}-${'x'.repeat(12)}`;

before(async () => {
  pg = await sharedPostgres();
});
after(async () => {
  await disposeSharedPostgres();
});

async function remote<T = Record<string, unknown>>(database: string, apiKey: string, sql: string, values: unknown[] = []): Promise<T[]> {
  return pg.query<T>(database, sql.replaceAll('$schema', `"${tenantSchema(apiKey)}"`), values);
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}

describe('sync: two machines on one tenant (invariant 5: handovers cross machines)', { timeout: 60_000 }, () => {
  it('projects, contexts, work sessions, notes and handovers made on A appear on B, searchable at once', async () => {
    const database = await pg.createDatabase();
    const apiKey = newKey();
    const a = await startMachine({ pgUrl: pg.url(database), apiKey, clientName: 'Claude Code' });
    const b = await startMachine({ pgUrl: pg.url(database), apiKey, clientName: 'Claude Desktop' });
    try {
      await a.ok('create_project', { name: 'LinkedIn' });
      await a.ok('lock_context', {
        project: 'linkedin',
        topic: 'api_design',
        content: 'Cursor pagination for the feed endpoint',
        priority: 'important',
        tags: ['api', 'feed'],
      });
      await a.ok('add_note', { project: 'linkedin', kind: 'todo', text: 'Wire the feed cursor into the mobile client' });
      const ended = await a.ok('end_session', { project: 'linkedin', summary: 'Designed the feed API', next_steps: ['Implement the cursor'] });
      assert.match(ended, /handover/i);
      await settle(a, b);
      assertOnline(a);
      assertOnline(b);

      // B: the project, the context (found by search without any further step) and the handover.
      assert.deepEqual(b.gateway.services.projects.names(), ['linkedin']);
      const search = await b.ok('search_contexts', { project: 'linkedin', query: 'feed pagination' });
      assert.match(search, /api_design v1 \(important\)/);
      assert.match(search, /handover is waiting/, "B's first call on the project is told about A's handover");
      const recall = await b.ok('recall_context', { project: 'linkedin', topic: 'api_design' });
      assert.match(recall, /Cursor pagination for the feed endpoint/);
      const handover = await b.ok('get_last_handover', { project: 'linkedin' });
      assert.match(handover, /Designed the feed API/);
      assert.match(handover, /from Claude Code/);

      // A's work session is on B as A's, and B never finalizes it.
      const aSession = a.gateway.services.handovers.recent(1, 'linkedin')[0]!.sessionId;
      const onB = b.gateway.services.sessions.byId(aSession);
      assert.equal(onB?.clientName, 'Claude Code');
      assert.notEqual(onB?.endedAt, null);
      b.clock.advanceMinutes(600);
      assert.equal(
        (await b.gateway.sweeper.runOnce()).some((h) => h.sessionId === aSession),
        false,
      );

      // And back: B's work reaches A.
      await b.ok('lock_context', { project: 'linkedin', topic: 'api_design', content: 'Cursor pagination, 50 items per page' });
      await b.ok('end_session', { project: 'linkedin', summary: 'Chose the page size' });
      await settle(b, a);
      assert.match(await a.ok('recall_context', { project: 'linkedin', topic: 'api_design' }), /v2[\s\S]*50 items per page/);
      assert.match(await a.ok('get_last_handover', { project: 'linkedin' }), /Chose the page size/);

      // Postgres and both machines hold the same rows, each once, keyed by the rows' own UUIDs.
      await settle(a, b);
      const [counts] = await remote<{ projects: number; contexts: number; handovers: number; sessions: number; notes: number }>(
        database,
        apiKey,
        `SELECT (SELECT count(*)::int FROM $schema.projects) AS projects, (SELECT count(*)::int FROM $schema.contexts) AS contexts,
           (SELECT count(*)::int FROM $schema.handovers) AS handovers, (SELECT count(*)::int FROM $schema.work_sessions) AS sessions,
           (SELECT count(*)::int FROM $schema.notes) AS notes`,
      );
      for (const machine of [a, b]) {
        const local = machine.gateway.services.db
          .prepare(
            `SELECT (SELECT count(*) FROM projects) AS projects, (SELECT count(*) FROM contexts) AS contexts,
               (SELECT count(*) FROM handovers) AS handovers, (SELECT count(*) FROM work_sessions) AS sessions, (SELECT count(*) FROM notes) AS notes`,
          )
          .get();
        assert.deepEqual(local, counts);
      }
      assert.equal(counts!.contexts, 2);
      assert.equal(counts!.notes, 1);
      assert.equal(a.sync.status().pending, 0);
      assert.equal(b.sync.status().pending, 0);
    } finally {
      await a.stop({ remove: true });
      await b.stop({ remove: true });
    }
  });

  it('projects merge by normalized name; a change on A is on B within 2 s with no manual sync (LISTEN/NOTIFY)', async () => {
    const database = await pg.createDatabase();
    const apiKey = newKey();
    const a = await startMachine({ pgUrl: pg.url(database), apiKey });
    const b = await startMachine({ pgUrl: pg.url(database), apiKey });
    try {
      a.sync.pause();
      b.sync.pause();
      await a.ok('create_project', { name: 'Client Portal' });
      await b.ok('create_project', { name: 'client-portal ' });
      a.sync.resume();
      b.sync.resume();
      await settle(a, b);
      assert.deepEqual(a.gateway.services.projects.names(), ['client-portal']);
      assert.deepEqual(b.gateway.services.projects.names(), ['client-portal']);
      const [projects] = await remote<{ n: number }>(database, apiKey, 'SELECT count(*)::int AS n FROM $schema.projects');
      assert.equal(projects!.n, 1);

      // Both workers idle and listening; A's tool call alone must reach B.
      await waitFor('both online', () => a.sync.status().state === 'online' && b.sync.status().state === 'online');
      await a.ok('lock_context', { project: 'client-portal', topic: 'deploy', content: 'Deploy on Tuesdays only' });
      const ms = await waitFor('the context on B', () => b.gateway.services.contexts.get('client-portal', 'deploy') !== undefined, 2_000);
      assert.ok(ms <= 2_000, `visible on B after ${ms} ms`);
    } finally {
      await a.stop({ remove: true });
      await b.stop({ remove: true });
    }
  });

  it('an unlocked version is a tombstone on every machine and never comes back; a restore syncs too', async () => {
    const database = await pg.createDatabase();
    const apiKey = newKey();
    const a = await startMachine({ pgUrl: pg.url(database), apiKey });
    let b = await startMachine({ pgUrl: pg.url(database), apiKey });
    try {
      await a.ok('create_project', { name: 'alpha' });
      await a.ok('lock_context', { project: 'alpha', topic: 'rule', content: 'first rule text' });
      await a.ok('lock_context', { project: 'alpha', topic: 'rule', content: 'second rule text' });
      await settle(a, b);
      assert.equal(b.gateway.services.contexts.get('alpha', 'rule')?.version, 2);

      await a.ok('unlock_context', { project: 'alpha', topic: 'rule', version: 2 });
      await settle(a, b);
      assert.equal(b.gateway.services.contexts.get('alpha', 'rule')?.version, 1);
      assert.match(await b.ok('search_contexts', { project: 'alpha', query: 'second' }), /No|0 results/i);

      // B restarts and pulls everything again from scratch: still archived.
      const bDir = b.dataDir;
      await b.stop();
      b = await startMachine({ pgUrl: pg.url(database), apiKey, dataDir: bDir });
      const fresh = await startMachine({ pgUrl: pg.url(database), apiKey });
      await settle(b, fresh);
      for (const machine of [b, fresh]) {
        assert.equal(machine.gateway.services.contexts.get('alpha', 'rule')?.version, 1);
        assert.equal(machine.gateway.services.contexts.archivedVersions('alpha', 'rule')[0]?.version, 2);
      }
      await fresh.stop({ remove: true });

      await a.ok('restore_context', { project: 'alpha', topic: 'rule', version: 2 });
      await settle(a, b);
      assert.equal(b.gateway.services.contexts.get('alpha', 'rule')?.content, 'second rule text');
    } finally {
      await a.stop({ remove: true });
      await b.stop({ remove: true });
    }
  });
});

describe('sync: nothing acknowledged is lost (invariant 6)', { timeout: 60_000 }, () => {
  it('Postgres stopped mid-push and restarted: no loss, no duplicate, the outbox drains', async () => {
    const database = await pg.createDatabase();
    const apiKey = newKey();
    const a = await startMachine({ pgUrl: pg.url(database), apiKey, tuning: { batchEntries: 100 } });
    try {
      a.sync.pause();
      const { services } = a.gateway;
      services.projects.create('bulk');
      const total = 3_000;
      services.db.transaction(() => {
        for (let i = 0; i < total; i++) {
          services.contexts.lock('bulk', `label-${i % 1_000}`, `content number ${i}`, 'reference', ['bulk'], {
            clientId: crypto.randomUUID(),
            sessionId: crypto.randomUUID(),
          });
        }
      })();
      const pushing = a.sync.syncNow();
      await waitFor('part of the push to land', async () => {
        const [row] = await remote<{ n: number }>(database, apiKey, 'SELECT count(*)::int AS n FROM $schema.contexts').catch(() => [{ n: 0 }]);
        return row!.n > 0;
      });
      await pg.stop();
      await pushing;
      const down = a.sync.status();
      assert.ok(down.state === 'offline' || down.state === 'paused', `state while Postgres is down: ${down.state}`);
      assert.ok(down.pending > 0 && down.pending < total + 1, `pending while down: ${down.pending}`);
      assert.doesNotMatch(down.lastError ?? '', /test-password/);

      // Tools keep working at full speed while Postgres is gone.
      await a.ok('lock_context', { project: 'bulk', topic: 'while-down', content: 'written while Postgres was stopped' });

      await pg.start();
      a.sync.resume();
      await a.sync.syncNow();
      assertOnline(a);
      assert.equal(a.sync.status().pending, 0);
      const [stats] = await remote<{ n: number; ids: number; versions: number }>(
        database,
        apiKey,
        `SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids, count(DISTINCT (label, version))::int AS versions FROM $schema.contexts`,
      );
      assert.deepEqual(stats, { n: total + 1, ids: total + 1, versions: total + 1 });
      const [maxVersion] = await remote<{ v: number }>(database, apiKey, `SELECT max(version)::int AS v FROM $schema.contexts WHERE label = 'label-7'`);
      assert.equal(maxVersion!.v, 3, 'versions were pushed as written, not renumbered by the replay');
    } finally {
      await a.stop({ remove: true });
    }
  });

  it('replaying pushes whose acknowledgement was lost changes nothing (idempotent by row UUID)', async () => {
    const database = await pg.createDatabase();
    const apiKey = newKey();
    const a = await startMachine({ pgUrl: pg.url(database), apiKey });
    try {
      await a.ok('create_project', { name: 'alpha' });
      for (let i = 0; i < 5; i++) await a.ok('lock_context', { project: 'alpha', topic: 'notes', content: `version ${i + 1}` });
      await a.ok('unlock_context', { project: 'alpha', topic: 'notes', version: 2 });
      await a.ok('end_session', { project: 'alpha', summary: 'five versions' });
      // Enough rows for the COPY path too, whose replay must fall back to the row-by-UUID path.
      const { services } = a.gateway;
      services.db.transaction(() => {
        for (let i = 0; i < 250; i++)
          services.contexts.lock('alpha', `bulk-${i}`, `bulk text ${i}`, 'reference', [], { clientId: crypto.randomUUID(), sessionId: crypto.randomUUID() });
      })();
      await a.sync.syncNow();
      const snapshot = async () =>
        remote(
          database,
          apiKey,
          `SELECT 'c' AS t, id::text, version, seq FROM $schema.contexts UNION ALL SELECT 'a', context_id::text, version, seq FROM $schema.archived_contexts
          UNION ALL SELECT 'h', id::text, 0, seq FROM $schema.handovers UNION ALL SELECT 's', id::text, call_count, seq FROM $schema.work_sessions ORDER BY 1, 2`,
        );
      const before = await snapshot();
      // As if every push had reached Postgres but none of the acknowledgements had reached SQLite.
      a.gateway.services.outbox.reseed();
      assert.ok(a.sync.status().pending > 5);
      await a.sync.syncNow();
      assertOnline(a);
      assert.equal(a.sync.status().pending, 0);
      assert.deepEqual(await snapshot(), before, 'no row added, changed or renumbered');
      assert.deepEqual(a.sync.status().conflicts, []);
      assert.deepEqual(
        a.gateway.services.contexts.versions('alpha', 'notes').map((v) => v.version),
        [5, 4, 3, 1],
      );
    } finally {
      await a.stop({ remove: true });
    }
  });

  it('while the network is down tools keep working and the worker retries by itself until it is back', async () => {
    const database = await pg.createDatabase();
    const apiKey = newKey();
    const link = new FlakyLink(pg.port);
    await link.up();
    const url = `postgres://postgres:test-password@127.0.0.1:${link.port}/${database}`;
    const a = await startMachine({ pgUrl: url, apiKey });
    try {
      await a.ok('create_project', { name: 'alpha' });
      await a.sync.syncNow();
      assertOnline(a);
      await link.down();
      const started = Date.now();
      for (let i = 0; i < 20; i++) await a.ok('lock_context', { project: 'alpha', topic: `offline-${i}`, content: `written offline ${i}` });
      assert.ok(Date.now() - started < 5_000, 'tool calls do not wait for Postgres');
      await a.sync.syncNow();
      assert.equal(a.sync.status().state, 'offline');
      assert.ok(a.sync.status().pending >= 20);
      await link.up();
      // No syncNow: the backoff timer finds the server again.
      await waitFor('the outbox to drain by itself', () => a.sync.status().pending === 0 && a.sync.status().state === 'online');
      const [row] = await remote<{ n: number }>(database, apiKey, `SELECT count(*)::int AS n FROM $schema.contexts WHERE label LIKE 'offline-%'`);
      assert.equal(row!.n, 20);

      // Outages come and go: the connections never pile up. Each connection through the link is three
      // sockets of this process (the client's and the link's two); the pool may hold one or two.
      const sockets = () => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;
      const otherSockets = () => sockets() - 3 * link.openConnections;
      const baseline = otherSockets();
      for (let outage = 0; outage < 5; outage++) {
        await link.down();
        await a.ok('lock_context', { project: 'alpha', topic: 'flapping', content: `outage ${outage}` });
        await a.sync.syncNow();
        await link.up();
        await a.sync.syncNow();
        assertOnline(a);
      }
      const connections = a.sync.connections();
      assert.ok(connections.pooled <= 2 && connections.waiting === 0, JSON.stringify(connections));
      assert.ok(link.openConnections <= 3, `${link.openConnections} connections through the link: at most the pool's 2 and the listener`);
      assert.ok(otherSockets() <= baseline + 2, `other sockets: ${baseline} before, ${otherSockets()} after`);
      assert.equal(a.sync.status().pending, 0);
    } finally {
      await a.stop({ remove: true });
      await link.down();
    }
  });

  it('kill -9 between the local commit and the push: pushed after restart', async () => {
    const database = await pg.createDatabase();
    const apiKey = newKey();
    const link = new FlakyLink(pg.port);
    await link.up();
    const linkPort = link.port;
    await link.down(); // Postgres unreachable: the commit cannot have been pushed before the kill.
    const dataDir = tempDir('dementia-kill-');
    const setup = createServices(openDatabase(join(dataDir, DATABASE_FILE), systemClock), systemClock, 120);
    setup.projects.create('alpha');
    const { token } = setup.clients.add('Claude Code', 'claude-code', 'alpha');
    setup.db.close();

    const env = {
      ...process.env,
      DEMENTIA_DATA_DIR: dataDir,
      DEMENTIA_PG_URL: `postgres://postgres:test-password@127.0.0.1:${linkPort}/${database}`,
      DEMENTIA_API_KEY: apiKey,
    };
    const port = await freePort();
    const first = await serve(env, port);
    try {
      const client = await connectClient(new URL(`http://127.0.0.1:${port}/mcp`), token);
      const result = await client.call('lock_context', { topic: 'survivor', content: 'acknowledged before the kill' });
      assert.equal(result.isError, undefined, textOf(result));
      await stopChild(first, 'SIGKILL');
      await client.close().catch(() => undefined);
    } finally {
      await stopChild(first, 'SIGKILL');
    }

    await link.up();
    const second = await serve(env, port);
    try {
      await waitFor('the context in Postgres', async () => {
        const rows = await remote(database, apiKey, `SELECT 1 FROM $schema.contexts WHERE label = 'survivor'`).catch(() => []);
        return rows.length === 1;
      });
      const [row] = await remote<{ content: string; project_name: string }>(
        database,
        apiKey,
        `SELECT content, project_name FROM $schema.contexts WHERE label = 'survivor'`,
      );
      assert.deepEqual(row, { content: 'acknowledged before the kill', project_name: 'alpha' });
    } finally {
      await stopChild(second, 'SIGTERM');
      await link.down();
    }
  });
});

/** Signals a child and waits for it to exit (at once if it already has). */
async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

/** Runs `dementia serve` as a real process and resolves once it listens. */
async function serve(env: NodeJS.ProcessEnv, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['src/gateway/cli/main.ts', 'serve', '--port', String(port)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${output}`)), 15_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
  });
  return child;
}

describe('sync: concurrent offline edits keep both texts (invariant 6)', { timeout: 30_000 }, () => {
  it('the same label edited on A and B while apart: both texts survive on both, the conflict is visible on both', async () => {
    const database = await pg.createDatabase();
    const apiKey = newKey();
    // One entry per push on B, so B's two edits go in separate pushes.
    const a = await startMachine({ pgUrl: pg.url(database), apiKey });
    const b = await startMachine({ pgUrl: pg.url(database), apiKey, tuning: { batchEntries: 1 } });
    try {
      await a.ok('create_project', { name: 'alpha' });
      await a.ok('lock_context', { project: 'alpha', topic: 'plan', content: 'shared first plan' });
      await settle(a, b);
      a.sync.pause();
      b.sync.pause();
      await a.ok('lock_context', { project: 'alpha', topic: 'plan', content: 'A: ship on Monday' });
      await a.ok('lock_context', { project: 'alpha', topic: 'plan', content: 'A: ship on Monday, after QA' });
      await b.ok('lock_context', { project: 'alpha', topic: 'plan', content: 'B: ship on Friday' });
      await b.ok('lock_context', { project: 'alpha', topic: 'plan', content: 'B: ship on Friday, with a flag' });
      a.sync.resume();
      b.sync.resume();
      await settle(a, b, a);

      const texts = (m: Machine) =>
        m.gateway.services.contexts
          .versions('alpha', 'plan')
          .map((v) => `${v.version}:${v.content}`)
          .reverse();
      const expected = [
        '1:shared first plan',
        '2:A: ship on Monday',
        '3:A: ship on Monday, after QA',
        '4:B: ship on Friday',
        '5:B: ship on Friday, with a flag',
      ];
      assert.deepEqual(texts(a), expected);
      assert.deepEqual(texts(b), expected);
      for (const machine of [a, b]) {
        const conflicts = machine.sync.status().conflicts;
        assert.equal(conflicts.length, 1, JSON.stringify(conflicts));
        assert.equal(conflicts[0]!.label, 'plan');
        assert.equal(conflicts[0]!.project, 'alpha');
        assert.match(conflicts[0]!.detail, /version 2 of "plan"/);
        assert.match(await machine.ok('recall_context', { project: 'alpha', topic: 'plan' }), /with a flag/);
      }
      const [row] = await remote<{ n: number }>(database, apiKey, 'SELECT count(*)::int AS n FROM $schema.conflicts');
      assert.equal(row!.n, 1);
    } finally {
      await a.stop({ remove: true });
      await b.stop({ remove: true });
    }
  });
});

describe('sync: tenant isolation (invariant 7)', { timeout: 30_000 }, () => {
  it("a second API key's schema is never read or written", async () => {
    const database = await pg.createDatabase();
    const keyOne = newKey();
    const keyTwo = newKey();
    // Tenant two's data, written with full rights.
    const two = await startMachine({ pgUrl: pg.url(database), apiKey: keyTwo });
    await two.ok('create_project', { name: 'secret-project' });
    await two.ok('lock_context', { project: 'secret-project', topic: 'secret', content: 'tenant two only' });
    await two.sync.syncNow();
    assertOnline(two);
    await two.stop({ remove: true });
    const before = await remote(database, keyTwo, 'SELECT id, seq FROM $schema.contexts ORDER BY seq');

    // Tenant one connects as a role that may create its own schema but has no right at all on tenant two's:
    // any read or write of it would fail the sync.
    const role = `tenant_one_${process.pid}`;
    await pg.query(database, `CREATE ROLE ${role} LOGIN PASSWORD 'one-password'`);
    await pg.query(database, `GRANT CREATE ON DATABASE "${database}" TO ${role}`);
    const one = await startMachine({ pgUrl: `postgres://${role}:one-password@127.0.0.1:${pg.port}/${database}`, apiKey: keyOne });
    try {
      await one.ok('create_project', { name: 'mine' });
      await one.ok('lock_context', { project: 'mine', topic: 'own', content: 'tenant one text' });
      await settle(one);
      assertOnline(one);
      assert.deepEqual(one.gateway.services.projects.names(), ['mine']);
      assert.notEqual(tenantSchema(keyOne), tenantSchema(keyTwo));
      assert.deepEqual(await remote(database, keyTwo, 'SELECT id, seq FROM $schema.contexts ORDER BY seq'), before);
      const [own] = await remote<{ n: number }>(database, keyOne, 'SELECT count(*)::int AS n FROM $schema.contexts');
      assert.equal(own!.n, 1);
      const schemas = await pg.query<{ nspname: string }>(database, `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'dementia_%' ORDER BY 1`);
      assert.deepEqual(schemas.map((s) => s.nspname).sort(), [tenantSchema(keyOne), tenantSchema(keyTwo)].sort());
    } finally {
      await one.stop({ remove: true });
    }
  });

  it('a wrong password is an error state whose message holds no secret; fixing it needs a restart only', async () => {
    const database = await pg.createDatabase();
    const apiKey = newKey();
    const a = await startMachine({ pgUrl: `postgres://postgres:wrong-secret-pw@127.0.0.1:${pg.port}/${database}`, apiKey });
    try {
      await a.ok('create_project', { name: 'alpha' });
      await a.sync.syncNow();
      const status = a.sync.status();
      assert.equal(status.state, 'error');
      assert.match(status.lastError ?? '', /password authentication failed/);
      assert.doesNotMatch(status.lastError ?? '', /wrong-secret-pw/);
      assert.doesNotMatch(JSON.stringify(status), new RegExp(apiKey));
      assert.equal(status.pending, 1);
      const snapshot = await (await fetch(`${a.gateway.baseUrl}/api/status`, { headers: await adminAuth(a.gateway) })).text();
      assert.doesNotMatch(snapshot, /wrong-secret-pw/);
    } finally {
      await a.stop({ remove: true });
    }
  });
});

describe('sync: the Postgres side is usable by the hosted server', { timeout: 30_000 }, () => {
  it('docs/postgres-schema.md documents every table and column of the tenant schema', async () => {
    const database = await pg.createDatabase();
    const apiKey = newKey();
    const a = await startMachine({ pgUrl: pg.url(database), apiKey });
    try {
      await a.sync.syncNow();
      assertOnline(a);
    } finally {
      await a.stop({ remove: true });
    }
    // A schema the hosted server serves has its own tables too: register a second key there.
    const hostedKey = newKey();
    const pool = new PgPool({ connectionString: pg.url(database), max: 1 });
    try {
      const tenants = new TenantDirectory(pool);
      await tenants.prepare();
      await tenants.add({ apiKey: hostedKey });
    } finally {
      await pool.end();
    }
    const doc = readFileSync(new URL('../../docs/postgres-schema.md', import.meta.url), 'utf8');
    const columns = await pg.query<{ table_name: string; column_name: string }>(
      database,
      `SELECT DISTINCT table_name, column_name, ordinal_position FROM information_schema.columns WHERE table_schema IN ($1, $2) ORDER BY table_name, ordinal_position`,
      [tenantSchema(apiKey), tenantSchema(hostedKey)],
    );
    const tables = new Set(columns.map((c) => c.table_name));
    for (const table of tables) assert.ok(doc.includes(`### \`${table}\``), `docs/postgres-schema.md has a section for ${table}`);
    for (const table of [...SYNCED_TABLES, 'schema_migrations', 'live_contexts', 'latest_contexts', 'client_instances', 'session_state', 'activity'])
      assert.ok(tables.has(table), `${table} exists`);
    for (const { table_name: table, column_name: column } of columns.filter(
      (c) => !c.table_name.endsWith('_contexts') || c.table_name === 'archived_contexts',
    )) {
      const section = doc.split(/^### /m).find((part) => part.startsWith(`\`${table}\``));
      assert.ok(section, `docs/postgres-schema.md has a section for ${table}`);
      assert.ok(section.includes(`\`${column}\``), `docs/postgres-schema.md documents ${table}.${column}`);
    }
  });
});
