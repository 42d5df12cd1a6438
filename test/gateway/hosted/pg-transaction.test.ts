import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { inTransaction } from '../../../src/gateway/hosted/pg-transaction.ts';
import { disposeSharedPostgres, sharedPostgres } from '../../helpers/postgres.ts';

describe('hosted transactions', { timeout: 60_000 }, () => {
  let pool: pg.Pool;
  before(async () => {
    const server = await sharedPostgres();
    pool = new pg.Pool({ connectionString: server.url(await server.createDatabase('tx')), max: 4 });
    await pool.query('CREATE TABLE pair (id int PRIMARY KEY, n int NOT NULL); INSERT INTO pair VALUES (1, 0), (2, 0)');
  });
  after(async () => {
    await pool.end();
    await disposeSharedPostgres();
  });

  it('a transaction Postgres aborts to break a deadlock runs again, so both callers get their write', async () => {
    // Two writers take the same two rows in opposite orders and wait for each other in between:
    // Postgres kills one (40P01); it is retried and both increments land.
    let arrived = 0;
    let release: () => void = () => {};
    const bothHoldTheirFirstRow = new Promise<void>((resolve) => (release = resolve));
    const attempts = { a: 0, b: 0 };
    const writer = (name: 'a' | 'b', first: number, second: number) =>
      inTransaction(pool, async (client) => {
        attempts[name]++;
        await client.query('UPDATE pair SET n = n + 1 WHERE id = $1', [first]);
        if (++arrived === 2) release();
        await bothHoldTheirFirstRow;
        await client.query('UPDATE pair SET n = n + 1 WHERE id = $1', [second]);
        return name;
      });
    assert.deepEqual(await Promise.all([writer('a', 1, 2), writer('b', 2, 1)]), ['a', 'b']);
    const rows = (await pool.query<{ id: number; n: number }>('SELECT id, n FROM pair ORDER BY id')).rows;
    assert.deepEqual(
      rows,
      [
        { id: 1, n: 2 },
        { id: 2, n: 2 },
      ],
      'each writer applied its two increments exactly once',
    );
    assert.equal(attempts.a + attempts.b, 3, 'one of them ran a second time');
  });
});
