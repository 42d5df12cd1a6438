import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ManualClock } from '../../../../src/gateway/clock.ts';
import { PgTenantMemory } from '../../../../src/gateway/hosted/pg-memory/pg-memory.ts';
import { newId, sha256Hex } from '../../../../src/gateway/secrets.ts';
import { quoteIdent } from '../../../../src/gateway/pg/remote-schema.ts';
import { disposeSharedPostgres, sharedPostgres } from '../../../helpers/postgres.ts';
import { addTenants } from '../hosted-processes.ts';

const RULE =
  'Deploys happen only from the main branch after CI passes, never on Fridays, and always with a rollback plan written in the ticket before anyone presses the button.';
const RULE_AGAIN =
  'Deploys happen only from the main branch after CI passes, never on Fridays, and always with a rollback plan written in the ticket before anyone presses the big button.';
const DESKTOP_ORIGIN = '6f1e0c55-3f7e-4a39-9d0c-1a2b3c4d5e6f';

/**
 * The hosted server writes a context's near-duplicate bands with the context; rows a desktop pushed
 * have none until a lookup finds them past the fill mark and fills them. The mark moves on by itself,
 * so the lookup's look past it stays short.
 */
describe('hosted near-duplicate bands', { timeout: 120_000 }, () => {
  let pool: pg.Pool;
  let schema: string;
  let memory: PgTenantMemory;
  const actor = { clientId: newId(), sessionId: newId() };
  before(async () => {
    const server = await sharedPostgres();
    const pgUrl = server.url(await server.createDatabase('near_duplicate_bands'));
    schema = (await addTenants(pgUrl, 1))[0]!.schema;
    pool = new pg.Pool({ connectionString: pgUrl, max: 2 });
    memory = new PgTenantMemory(pool, schema, new ManualClock(Date.parse('2026-12-07T10:00:00Z')));
    await memory.projects.create('webshop');
  });
  after(async () => {
    await pool.end();
    await disposeSharedPostgres();
  });

  const bandRows = async (label: string) =>
    Number(
      (await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(schema)}.context_bands WHERE project_name = 'webshop' AND label = $1`, [label]))
        .rows[0]!.n,
    );

  it('a context the server locks has its bands at once; one a desktop pushed is found by the next lookup', async () => {
    await memory.contexts.lock('webshop', 'deploy/rules', 'Short note on deploys.', undefined, undefined, actor);
    assert.equal(await bandRows('deploy/rules'), 1, 'written with the context');

    // A desktop's push: a plain insert into contexts, as sync/push.ts sends it, with no bands.
    await pool.query(
      `INSERT INTO ${quoteIdent(schema)}.contexts (id, project_name, label, version, content, priority, tags, content_hash, created_at, origin, origin_version)
       VALUES ($1, 'webshop', 'ops/deploys', 1, $2, 'important', '{}', $3, now(), $4, 1)`,
      [newId(), RULE, sha256Hex(RULE), DESKTOP_ORIGIN],
    );
    assert.equal(await bandRows('ops/deploys'), 0);

    const found = await memory.contexts.sharingBand('webshop', 'deploy/checklist', RULE_AGAIN);
    assert.deepEqual(
      found.map((context) => context.label),
      ['ops/deploys'],
    );
    assert.equal(await bandRows('ops/deploys'), 1, 'filled by the lookup');
  });

  it('the fill mark moves past the contexts the server wrote itself', async () => {
    const mark = async () => Number((await pool.query<{ s: string }>(`SELECT filled_seq AS s FROM ${quoteIdent(schema)}.context_bands_filled`)).rows[0]!.s);
    const before = await mark();
    for (let i = 0; i < 70; i++) {
      await memory.contexts.sharingBand('webshop', `batch/${i}`, `note number ${i} about the batch`);
      await memory.contexts.lock('webshop', `batch/${i}`, `note number ${i} about the batch`, undefined, undefined, actor);
    }
    const highest = Number((await pool.query<{ s: string }>(`SELECT max(seq) AS s FROM ${quoteIdent(schema)}.contexts`)).rows[0]!.s);
    const after = await mark();
    assert.ok(after > before, `the mark moved (from ${before} to ${after})`);
    assert.ok(highest - after <= 64, `at most 64 contexts past it (${highest - after})`);
  });
});
