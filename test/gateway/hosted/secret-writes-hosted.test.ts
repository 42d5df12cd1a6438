// Hosted mode keeps secrets out too (DESIGN 14): the same tool layer over a tenant schema in real
// Postgres refuses a write that carries a credential (nothing in any table afterwards), and a
// project set to mask stores it masked; the setting lives on the project row of the tenant.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ManualClock } from '../../../src/gateway/clock.ts';
import { PgTenantMemory } from '../../../src/gateway/hosted/pg-memory/pg-memory.ts';
import { RemoteClientDirectory } from '../../../src/gateway/hosted/remote-clients.ts';
import { TenantDirectory } from '../../../src/gateway/hosted/tenant-directory.ts';
import { WorkSessionService } from '../../../src/gateway/sessions/work-session-service.ts';
import { quoteIdent } from '../../../src/gateway/pg/remote-schema.ts';
import { ToolDispatcher } from '../../../src/gateway/tools/dispatcher.ts';
import { allTools } from '../../../src/gateway/tools/index.ts';
import type { Caller } from '../../../src/gateway/sessions/caller.ts';
import { disposeSharedPostgres, sharedPostgres } from '../../helpers/postgres.ts';
import { fakeCredentials } from '../../fixtures/secrets/samples.ts';
import { transcriptOf } from './tool-stacks.ts';

const secrets = fakeCredentials();
const anthropic = secrets['anthropic-key']![0]!;
const jwt = secrets.jwt![0]!;
const gitlab = secrets['gitlab-token']![0]!;

describe('hosted: secrets are never stored in the clear', { timeout: 60_000 }, () => {
  let pool: pg.Pool;
  let schema: string;
  let dispatcher: ToolDispatcher;
  let caller: Caller;
  const call = (tool: string, args: Record<string, unknown>) => dispatcher.call(tool, { project: 'hosted', ...args }, caller);
  /** Every row of the tenant's memory tables, as one string to search. */
  async function everything(): Promise<string> {
    const tables = ['projects', 'contexts', 'notes', 'handovers', 'activity', 'applied_calls'];
    const rows = await Promise.all(tables.map(async (table) => (await pool.query(`SELECT * FROM ${quoteIdent(schema)}.${table}`)).rows));
    return JSON.stringify(rows);
  }
  const count = async (table: string) => (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quoteIdent(schema)}.${table}`)).rows[0]!.n;

  before(async () => {
    const server = await sharedPostgres();
    pool = new pg.Pool({ connectionString: server.url(await server.createDatabase('secret_writes')), max: 3 });
    const tenants = new TenantDirectory(pool);
    await tenants.prepare();
    const { tenant } = await tenants.add({ label: 'secrets' });
    schema = tenant.schema;
    caller = {
      client: await new RemoteClientDirectory(pool).signIn(schema, { clientKey: 'test:secrets', name: 'claude.ai', kind: 'other', asNewClient: false }),
      instanceKey: '',
      tenant: schema,
    };
    const clock = new ManualClock();
    dispatcher = new ToolDispatcher({ memoryOf: () => new PgTenantMemory(pool, schema, clock), workSessions: new WorkSessionService(120), tools: allTools });
    await dispatcher.call('create_project', { name: 'hosted' }, caller);
  });
  after(async () => {
    await pool.end();
    await disposeSharedPostgres();
  });

  it('refuses lock_context, batch_lock_contexts, add_note and end_session with a credential; nothing is stored', async () => {
    const attempts: [string, Record<string, unknown>, string, RegExp][] = [
      ['lock_context', { topic: 'llm', content: `Claude key: ${anthropic}` }, anthropic, /anthropic-key in `content` at line 1, column 13/],
      [
        'batch_lock_contexts',
        {
          contexts: [
            { topic: 'ok', content: 'fine' },
            { topic: 'auth', content: `Bearer ${jwt}` },
          ],
        },
        jwt,
        /contexts\[1\] \("auth"\).*jwt/,
      ],
      ['add_note', { kind: 'decision', text: `use ${gitlab} for the mirror` }, gitlab, /gitlab-token in `text`/],
      ['end_session', { summary: 'Mirrored the repo.', open_questions: [`is ${gitlab} still valid?`] }, gitlab, /gitlab-token in `open_questions\[0\]`/],
    ];
    for (const [tool, args, secret, where] of attempts) {
      const result = await call(tool, args);
      const text = transcriptOf(result);
      assert.equal(result.isError, true, text);
      assert.match(text, /SECRET_DETECTED/);
      assert.ok((result.content[0] as { text: string }).text.startsWith('Error SECRET_DETECTED'), text);
      assert.match(text, where);
      assert.ok(!text.includes(secret));
    }
    assert.deepEqual([await count('contexts'), await count('notes'), await count('handovers')], [0, 0, 0]);
    const stored = await everything();
    for (const secret of [anthropic, jwt, gitlab]) assert.ok(!stored.includes(secret));
  });

  it('mask mode is a setting of the project row; masked text is stored and the result says so', async () => {
    assert.equal((await call('set_secret_handling', { mode: 'mask' })).isError, undefined);
    assert.equal((await pool.query(`SELECT secret_policy FROM ${quoteIdent(schema)}.projects WHERE name = 'hosted'`)).rows[0].secret_policy, 'mask');
    const result = await call('lock_context', { topic: 'llm', content: `Claude key: ${anthropic}\nModel: opus` });
    assert.match(transcriptOf(result), /A credential was masked before storing/);
    const { rows } = await pool.query(`SELECT content FROM ${quoteIdent(schema)}.contexts WHERE label = 'llm'`);
    assert.deepEqual(rows, [{ content: 'Claude key: [REDACTED:anthropic-key]\nModel: opus' }]);
    assert.ok(!(await everything()).includes(anthropic));
  });
});
