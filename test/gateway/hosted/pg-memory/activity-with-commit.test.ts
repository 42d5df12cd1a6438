import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ManualClock } from '../../../../src/gateway/clock.ts';
import { PgTenantMemory } from '../../../../src/gateway/hosted/pg-memory/pg-memory.ts';
import { newId } from '../../../../src/gateway/secrets.ts';
import { disposeSharedPostgres, sharedPostgres } from '../../../helpers/postgres.ts';
import { addTenants } from '../hosted-processes.ts';

/**
 * A hosted call's activity entry is sent with its COMMIT (one round trip fewer): it must still be
 * stored exactly as given, be readable later in its own transaction, and vanish with a rollback.
 */
describe('hosted activity entries sent with the commit', { timeout: 120_000 }, () => {
  let pool: pg.Pool;
  let memory: PgTenantMemory;
  before(async () => {
    const server = await sharedPostgres();
    const pgUrl = server.url(await server.createDatabase('activity_commit'));
    pool = new pg.Pool({ connectionString: pgUrl, max: 2 });
    memory = new PgTenantMemory(pool, (await addTenants(pgUrl, 1))[0]!.schema, new ManualClock(Date.parse('2026-12-01T10:00:00Z')));
  });
  after(async () => {
    await pool.end();
    await disposeSharedPostgres();
  });

  const entry = (sessionId: string, summary: string) => ({
    at: Date.parse('2026-12-01T10:00:00Z'),
    clientId: newId(),
    project: "o'project\\",
    sessionId,
    tool: 'lock_context',
    ok: true,
    summary,
    effects: { locked: [{ label: "it's \\ a 'label'", version: 2, priority: 'important' }] },
  });

  it('stores quotes and backslashes as given, and reads its own entry before commit', async () => {
    const sessionId = newId();
    const summary = "Locked 'it's' \\ v2; SELECT 1; -- $1";
    const inside = await memory.transaction(async (m) => {
      await m.activity.record(entry(sessionId, summary));
      return m.activity.forSession(sessionId);
    });
    assert.deepEqual(
      inside.map((e) => e.summary),
      [summary],
    );
    const [stored] = await memory.activity.forSession(sessionId);
    assert.equal(stored?.summary, summary);
    assert.equal(stored?.project, "o'project\\");
    assert.equal(stored?.ok, true);
    assert.deepEqual(stored?.effects, entry(sessionId, summary).effects);
  });

  it('is not stored when the transaction rolls back', async () => {
    const sessionId = newId();
    await assert.rejects(
      memory.transaction(async (m) => {
        await m.activity.record(entry(sessionId, 'never stored'));
        throw new Error('the call failed');
      }),
      /the call failed/,
    );
    assert.deepEqual(await memory.activity.forSession(sessionId), []);
  });
});
