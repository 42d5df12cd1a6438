import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ManualClock } from '../../../../src/gateway/clock.ts';
import { PgTenantMemory } from '../../../../src/gateway/hosted/pg-memory/pg-memory.ts';
import { HOSTED_ORIGIN } from '../../../../src/gateway/hosted/pg-transaction.ts';
import { Notifications } from '../../../../src/gateway/pg/notifications.ts';
import { quoteIdent } from '../../../../src/gateway/pg/remote-schema.ts';
import { newId } from '../../../../src/gateway/secrets.ts';
import { disposeSharedPostgres, sharedPostgres } from '../../../helpers/postgres.ts';
import { addTenants } from '../hosted-processes.ts';

/**
 * Postgres serialises the commits of notifying transactions through their WAL flush, across all
 * tenants. The hosted server's writes therefore do not notify in their commit: it announces them
 * afterwards (pg/notifications.ts, migration 7). Desktops, which set nothing, still notify in theirs.
 */
describe('hosted writes are announced after their commit', { timeout: 120_000 }, () => {
  let pool: pg.Pool;
  let schema: string;
  let listener: pg.Client;
  const heard: string[] = [];
  before(async () => {
    const server = await sharedPostgres();
    const pgUrl = server.url(await server.createDatabase('announce_after_commit'));
    schema = (await addTenants(pgUrl, 1))[0]!.schema;
    pool = new pg.Pool({ connectionString: pgUrl, max: 3 });
    listener = new pg.Client({ connectionString: pgUrl });
    await listener.connect();
    listener.on('notification', (message) => {
      if (message.channel === schema) heard.push(message.payload ?? '');
    });
    await listener.query(`LISTEN ${quoteIdent(schema)}`);
  });
  after(async () => {
    await listener.end();
    await pool.end();
    await disposeSharedPostgres();
  });

  /** Notifications of transactions committed so far have reached the listener once it answers a query. */
  const heardSoFar = async () => {
    await listener.query('SELECT 1');
    return [...heard];
  };

  it('the commits themselves notify nobody; the announcements follow them', async () => {
    // The announcements wait at a gate, to tell them apart from a notification in the commit.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const gated = Object.assign(Object.create(pool) as pg.Pool, { connect: async () => (await gate, pool.connect()) });
    const notifications = new Notifications(gated, (error) => assert.fail(String(error)));
    const memory = new PgTenantMemory(pool, schema, new ManualClock(Date.parse('2026-12-07T10:00:00Z')), notifications);

    await memory.projects.create('webshop');
    await memory.contexts.lock('webshop', 'deploy/rules', 'Only from main.', undefined, undefined, { clientId: newId(), sessionId: newId() });
    assert.deepEqual(await heardSoFar(), [], 'nothing was notified in the commits');

    open();
    await notifications.drain();
    // The first write's announcement waited at the gate while the second was queued behind it.
    assert.deepEqual(await heardSoFar(), [HOSTED_ORIGIN, HOSTED_ORIGIN]);
  });

  it("a desktop's write (no announcement asked for) still notifies in its commit", async () => {
    heard.length = 0;
    const desktop = '6f1e0c55-3f7e-4a39-9d0c-1a2b3c4d5e6f';
    await pool.query(
      `BEGIN; SELECT set_config('dementia.origin', '${desktop}', true);
       INSERT INTO ${quoteIdent(schema)}.projects (name, id, created_at, updated_at, origin) VALUES ('from-desktop', '${newId()}', now(), now(), '${desktop}');
       COMMIT`,
    );
    assert.deepEqual(await heardSoFar(), [desktop]);
  });
});
