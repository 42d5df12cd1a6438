import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ManualClock } from '../../../../src/gateway/clock.ts';
import { PgTenantMemory } from '../../../../src/gateway/hosted/pg-memory/pg-memory.ts';
import { HOSTED_ORIGIN } from '../../../../src/gateway/hosted/pg-transaction.ts';
import { newId } from '../../../../src/gateway/secrets.ts';
import { lockKey, quoteIdent } from '../../../../src/gateway/pg/remote-schema.ts';
import { disposeSharedPostgres, sharedPostgres } from '../../../helpers/postgres.ts';
import { addTenants } from '../hosted-processes.ts';

/**
 * lock_context reads a label's latest version before it takes the tenant's change lock, then sends
 * the insert with the commit, under the lock. A version committed by another writer in between must
 * not be missed: that first attempt fails as a conflict, and the call runs again with the lock taken
 * before the read, so the new version is numbered after it and inherits its priority and tags.
 */
describe('hosted lock_context racing another writer of the same label', { timeout: 120_000 }, () => {
  let pool: pg.Pool;
  let schema: string;
  before(async () => {
    const server = await sharedPostgres();
    const pgUrl = server.url(await server.createDatabase('lock_race'));
    schema = (await addTenants(pgUrl, 1))[0]!.schema;
    pool = new pg.Pool({ connectionString: pgUrl, max: 4 });
  });
  after(async () => {
    await pool.end();
    await disposeSharedPostgres();
  });

  it('a version committed between its read and its write is seen: numbered after it, its tags inherited', async () => {
    const memory = new PgTenantMemory(pool, schema, new ManualClock(Date.parse('2026-12-01T10:00:00Z')));
    const actor = { clientId: newId(), sessionId: newId() };
    await memory.projects.create('race');
    await memory.contexts.lock('race', 'topic', 'first', 'reference', ['first-tag'], actor);

    // Another writer (a desktop's push, another process) holds the tenant's change lock...
    const other = await pool.connect();
    try {
      await other.query(`BEGIN; SET LOCAL search_path TO ${quoteIdent(schema)}; SELECT pg_advisory_xact_lock(${lockKey(schema, 'changes')}::bigint)`);
      const racing = memory.contexts.lock('race', 'topic', 'from the racing call', undefined, undefined, actor);
      // ...until the call has read version 1 and waits for the lock.
      for (;;) {
        const waiting = await other.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`);
        if (waiting.rows[0]!.n > 0) break;
      }
      await other.query(
        `INSERT INTO contexts (id, project_name, label, version, content, priority, tags, content_hash, created_at, origin, origin_version)
         VALUES ($1, 'race', 'topic', 2, 'second', 'important', ARRAY['second-tag'], 'hash', now(), $2, 2)`,
        [newId(), HOSTED_ORIGIN],
      );
      await other.query('COMMIT');
      const result = await racing;
      assert.equal(result.created, true);
      assert.equal(result.previousVersion, 2);
      assert.equal(result.context.version, 3);
      assert.equal(result.context.priority, 'important');
      assert.deepEqual(result.context.tags, ['second-tag']);
    } finally {
      other.release();
    }
    const stored = await pool.query<{ version: number; priority: string; tags: string[] }>(
      `SELECT version, priority, tags FROM ${quoteIdent(schema)}.contexts WHERE label = 'topic' ORDER BY version`,
    );
    assert.deepEqual(stored.rows, [
      { version: 1, priority: 'reference', tags: ['first-tag'] },
      { version: 2, priority: 'important', tags: ['second-tag'] },
      { version: 3, priority: 'important', tags: ['second-tag'] },
    ]);
  });

  it('values with quotes and backslashes are stored as given', async () => {
    const memory = new PgTenantMemory(pool, schema, new ManualClock(Date.parse('2026-12-01T11:00:00Z')));
    const actor = { clientId: newId(), sessionId: newId() };
    await memory.projects.create("it's");
    const content = "a 'quoted' \\ backslash; SELECT 1; -- $1 \\' end";
    const result = await memory.contexts.lock("it's", "o'label\\", content, undefined, ["t'ag", '\\', ''], actor);
    assert.equal(result.context.version, 1);
    const stored = await memory.contexts.get("it's", "o'label\\");
    assert.equal(stored?.content, content);
    assert.deepEqual(stored?.tags, ["t'ag", '\\', '']);
  });
});
