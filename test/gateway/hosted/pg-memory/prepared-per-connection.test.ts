import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ManualClock } from '../../../../src/gateway/clock.ts';
import { PgTenantMemory } from '../../../../src/gateway/hosted/pg-memory/pg-memory.ts';
import { newId } from '../../../../src/gateway/secrets.ts';
import { disposeSharedPostgres, sharedPostgres } from '../../../helpers/postgres.ts';
import { addTenants } from '../hosted-processes.ts';

/**
 * A call's BEGIN reads and its writes sent with the commit are statements PREPAREd once per
 * connection (hosted/prepared-statements.ts), whichever tenant first used them. Two tenants on one
 * connection: each must read and write its own schema, and a failed transaction must not leave the
 * next one guessing which statements its connection holds.
 */
describe('statements prepared once per connection serve every tenant on it', { timeout: 120_000 }, () => {
  let pool: pg.Pool;
  let tenants: PgTenantMemory[];
  let spy: pg.Client;
  before(async () => {
    const server = await sharedPostgres();
    const pgUrl = server.url(await server.createDatabase('prepared_per_connection'));
    // One connection: every transaction below runs on it.
    pool = new pg.Pool({ connectionString: pgUrl, max: 1 });
    const clock = new ManualClock(Date.parse('2026-12-07T14:00:00Z'));
    tenants = (await addTenants(pgUrl, 2)).map(({ schema }) => new PgTenantMemory(pool, schema, clock));
    spy = new pg.Client({ connectionString: pgUrl });
    await spy.connect();
  });
  after(async () => {
    await spy.end();
    await pool.end();
    await disposeSharedPostgres();
  });

  /** A call's transaction as the pipeline opens it: its reads come from the BEGIN round trip. */
  const activeProjectInCall = (memory: PgTenantMemory, clientId: string) =>
    memory.transaction((m) => Promise.resolve(m.clientState.activeProject(clientId, '')), { caller: { clientId, instanceKey: '' } });

  it("one client id in two tenants: each call reads its own tenant's selection, and its activity lands there", async () => {
    const [a, b] = tenants as [PgTenantMemory, PgTenantMemory];
    const clientId = newId();
    await a.projects.create('alpha');
    await b.projects.create('beta');
    await a.clientState.setActiveProject(clientId, '', 'alpha');
    await b.clientState.setActiveProject(clientId, '', 'beta');
    for (let round = 0; round < 3; round++) {
      assert.equal(await activeProjectInCall(a, clientId), 'alpha');
      assert.equal(await activeProjectInCall(b, clientId), 'beta');
    }
    const sessionId = newId();
    for (const [memory, project] of [
      [a, 'alpha'],
      [b, 'beta'],
    ] as const) {
      await memory.transaction(async (m) => {
        await m.activity.record({
          at: Date.parse('2026-12-07T14:00:00Z'),
          clientId,
          project,
          sessionId,
          tool: 'recall_context',
          ok: true,
          summary: `read ${project}`,
        });
      });
    }
    assert.deepEqual(
      (await a.activity.forSession(sessionId)).map((entry) => entry.summary),
      ['read alpha'],
    );
    assert.deepEqual(
      (await b.activity.forSession(sessionId)).map((entry) => entry.summary),
      ['read beta'],
    );
    const { rows } = await spy.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE 'p%'`);
    assert.equal(rows[0]!.n, 0, 'the spy connection holds none: they live on the pool connection only');
  });

  it('a transaction that fails in the round trip that prepares lets its connection go; the next call works on a fresh one', async () => {
    const [a] = tenants as [PgTenantMemory];
    const clientId = newId();
    const pids = async () => (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const first = await pids();
    await a.projects.create('gamma');
    // The entry of a read brings a statement this connection has not prepared yet (context_reads):
    // its PREPARE goes first in the COMMIT round trip, and the entry's insert fails after it.
    await assert.rejects(
      a.transaction(async (m) => {
        await m.activity.record({
          at: Date.parse('2026-12-07T14:00:00Z'),
          clientId: 'not-a-uuid',
          project: 'gamma',
          sessionId: null,
          tool: 'recall_context',
          ok: true,
          summary: 'never',
          effects: { recalled: [{ label: 'notes', version: 1 }] },
        });
      }),
      /invalid input syntax for type uuid/,
    );
    assert.notEqual(await pids(), first, 'the connection that failed is not reused');
    await a.clientState.setActiveProject(clientId, '', 'gamma');
    assert.equal(await activeProjectInCall(a, clientId), 'gamma');
  });
});
