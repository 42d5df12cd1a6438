import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ManualClock } from '../../../../src/gateway/clock.ts';
import { PgTenantMemory } from '../../../../src/gateway/hosted/pg-memory/pg-memory.ts';
import { searchStatement } from '../../../../src/gateway/hosted/pg-memory/pg-search.ts';
import { HOSTED_ORIGIN } from '../../../../src/gateway/hosted/pg-transaction.ts';
import { quoteIdent } from '../../../../src/gateway/pg/remote-schema.ts';
import { newId } from '../../../../src/gateway/secrets.ts';
import { disposeSharedPostgres, sharedPostgres } from '../../../helpers/postgres.ts';
import { addTenants } from '../hosted-processes.ts';

const CONTEXTS = 3_000;

/** The names of the indexes a plan (EXPLAIN's JSON) reads. */
function indexesOf(plan: unknown): string[] {
  if (Array.isArray(plan)) return plan.flatMap(indexesOf);
  if (!plan || typeof plan !== 'object') return [];
  const node = plan as Record<string, unknown>;
  return [...(typeof node['Index Name'] === 'string' ? [node['Index Name']] : []), ...Object.values(node).flatMap(indexesOf)];
}

/**
 * A tenant whose contexts Postgres has not analysed yet (a new tenant, or one a desktop has just
 * filled: autovacuum analyses about a minute later) is searched through the full-text index, like
 * any other. Before migration 11 the planner, guessing the project small, read all its rows and
 * computed each one's search document instead: 244 ms a search at 5,000 contexts, against 2.4 ms.
 */
describe('hosted search on contexts Postgres has not analysed yet', { timeout: 120_000 }, () => {
  let pool: pg.Pool;
  let schema: string;
  let memory: PgTenantMemory;

  before(async () => {
    const server = await sharedPostgres();
    const pgUrl = server.url(await server.createDatabase('search_plan'));
    schema = (await addTenants(pgUrl, 1))[0]!.schema;
    pool = new pg.Pool({ connectionString: pgUrl, max: 2 });
    memory = new PgTenantMemory(pool, schema, new ManualClock(Date.parse('2026-12-07T16:00:00Z')));
    await memory.projects.create('webshop');
    const s = quoteIdent(schema);
    // As a fresh tenant is until autovacuum's first pass (which must not come during the test).
    await pool.query(`ALTER TABLE ${s}.contexts SET (autovacuum_enabled = false)`);
    await pool.query(
      `SELECT ${s}.insert_context_version(gen_random_uuid(), 'webshop', 'notes/' || i, 1,
         'Note ' || i || ' on the checkout flow, the payment provider and the shipping rules', 'reference', '{}', md5(i::text), now(),
         NULL, NULL, $1, 0, NULL, '{}'::bigint[]) FROM generate_series(1, ${CONTEXTS}) i`,
      [HOSTED_ORIGIN],
    );
    await memory.contexts.lock('webshop', 'deploy/rules', 'Deploys go out from main after CI passes, never on Fridays.', undefined, undefined, {
      clientId: newId(),
      sessionId: newId(),
    });
  });
  after(async () => {
    await pool.end();
    await disposeSharedPostgres();
  });

  it('asks the full-text index, and finds the one context that matches', async () => {
    const stats = await pool.query<{ analysed: boolean }>(
      `SELECT (last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL) AS analysed FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'contexts'`,
      [schema],
    );
    assert.equal(stats.rows[0]?.analysed, false, 'the premise: contexts has never been analysed');

    const { text, values } = searchStatement('webshop', 'deploy & friday:*', {}, 10);
    const client = await pool.connect();
    try {
      await client.query(`SET search_path TO ${quoteIdent(schema)}`);
      const explained = await client.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${text}`, values);
      const indexes = indexesOf(explained.rows[0]!['QUERY PLAN']);
      assert.ok(indexes.includes('contexts_search'), `the search reads ${indexes.join(', ')}, not the full-text index`);
    } finally {
      client.release();
    }

    const found = await memory.search.search('webshop', 'deploy fridays', {}, 10);
    assert.deepEqual(
      found.hits.map((hit) => hit.label),
      ['deploy/rules'],
    );
  });
});
