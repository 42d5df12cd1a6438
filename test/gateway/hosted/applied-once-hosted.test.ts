// Applied once on the hosted server: a write call resent to another process (another pool, another
// dispatcher), even while the first is still running, is answered from the first execution.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ManualClock } from '../../../src/gateway/clock.ts';
import { PgTenantMemory } from '../../../src/gateway/hosted/pg-memory/pg-memory.ts';
import { RemoteClientDirectory } from '../../../src/gateway/hosted/remote-clients.ts';
import { TenantDirectory } from '../../../src/gateway/hosted/tenant-directory.ts';
import { WorkSessionService } from '../../../src/gateway/sessions/work-session-service.ts';
import { lockKey } from '../../../src/gateway/pg/remote-schema.ts';
import { ToolDispatcher } from '../../../src/gateway/tools/dispatcher.ts';
import { allTools } from '../../../src/gateway/tools/index.ts';
import type { Caller } from '../../../src/gateway/sessions/caller.ts';
import { disposeSharedPostgres, sharedPostgres } from '../../helpers/postgres.ts';

describe('hosted: every tool call applied once across processes', () => {
  let url: string;
  const pools: pg.Pool[] = [];
  before(async () => {
    const server = await sharedPostgres();
    url = server.url(await server.createDatabase('applied_once'));
  });
  after(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
    await disposeSharedPostgres();
  });

  it('two processes receiving the same keyed call at once apply it once and give the same answer', async () => {
    const clock = new ManualClock();
    const process = () => {
      const pool = new pg.Pool({ connectionString: url, max: 2 });
      pools.push(pool);
      return pool;
    };
    const first = process();
    const tenants = new TenantDirectory(first);
    await tenants.prepare();
    const { tenant } = await tenants.add({ label: 'once' });
    const client = await new RemoteClientDirectory(first).signIn(tenant.schema, {
      clientKey: 'test:once',
      name: 'claude.ai',
      kind: 'other',
      asNewClient: false,
    });
    const caller: Caller = { client, instanceKey: '', tenant: tenant.schema };
    const dispatchers = [first, process()].map(
      (pool) =>
        new ToolDispatcher({ memoryOf: () => new PgTenantMemory(pool, tenant.schema, clock), workSessions: new WorkSessionService(120), tools: allTools }),
    );
    await dispatchers[0]!.call('create_project', { name: 'hosted' }, caller);

    const note = (dispatcher: ToolDispatcher, key: string, text: string) =>
      dispatcher.call('add_note', { kind: 'decision', text, project: 'hosted' }, caller, { callKey: key });
    // Both arrive while the tenant's change lock is held elsewhere, so they really overlap: each has
    // started (and is waiting on a lock) before either can commit.
    const holder = await first.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT pg_advisory_xact_lock($1::bigint)', [lockKey(tenant.schema, 'changes')]);
    const both = Promise.all([note(dispatchers[0]!, 'k1', 'use Postgres'), note(dispatchers[1]!, 'k1', 'use Postgres')]);
    while ((await holder.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).rows[0].n < 2) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    await holder.query('COMMIT');
    holder.release();
    const [a, b] = await both;
    assert.notEqual(a.isError, true, JSON.stringify(a.content));
    assert.deepEqual(b, a);
    const again = await note(dispatchers[1]!, 'k1', 'use Postgres');
    assert.deepEqual(again, a);
    await note(dispatchers[0]!, 'k2', 'use Postgres');
    const notes = await first.query(`SELECT count(*)::int AS n FROM "${tenant.schema}".notes WHERE text = 'use Postgres'`);
    assert.equal(notes.rows[0].n, 2, 'k1 once, k2 once');
  });
});
