import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ManualClock } from '../../../src/gateway/clock.ts';
import { PgTenantMemory } from '../../../src/gateway/hosted/pg-memory/pg-memory.ts';
import { RemoteClientDirectory } from '../../../src/gateway/hosted/remote-clients.ts';
import { TenantDirectory } from '../../../src/gateway/hosted/tenant-directory.ts';
import { WorkSessionService } from '../../../src/gateway/sessions/work-session-service.ts';
import { ToolDispatcher } from '../../../src/gateway/tools/dispatcher.ts';
import { allTools } from '../../../src/gateway/tools/index.ts';
import { disposeSharedPostgres, FlakyLink, sharedPostgres } from '../../helpers/postgres.ts';
import { transcriptOf } from './tool-stacks.ts';

after(() => disposeSharedPostgres());

describe('hosted memory when Postgres is unreachable (docs/design.md section 10)', { timeout: 60_000 }, () => {
  let link: FlakyLink;
  let pool: pg.Pool;
  let schema: string;
  let dispatcher: ToolDispatcher;
  let caller: Parameters<ToolDispatcher['call']>[2];

  before(async () => {
    const server = await sharedPostgres();
    const database = await server.createDatabase('outage');
    link = new FlakyLink(server.port);
    await link.up();
    const url = new URL(server.url(database));
    url.port = String(link.port);
    pool = new pg.Pool({ connectionString: url.toString(), max: 2, connectionTimeoutMillis: 2_000 });
    pool.on('error', () => {});
    const tenants = new TenantDirectory(pool);
    await tenants.prepare();
    schema = (await tenants.add()).tenant.schema;
    const client = await new RemoteClientDirectory(pool).signIn(schema, { clientKey: 'test:outage', name: 'claude.ai', kind: 'other', asNewClient: false });
    caller = { client, instanceKey: '', tenant: schema };
    const memory = new PgTenantMemory(pool, schema, new ManualClock());
    dispatcher = new ToolDispatcher({ memoryOf: () => memory, workSessions: new WorkSessionService(120), tools: allTools });
  });
  after(async () => {
    await pool.end();
    await link.down();
  });

  it('a call says the store is unreachable and nothing was saved; after Postgres returns, calls work without a restart', async () => {
    assert.equal((await dispatcher.call('create_project', { name: 'linkedin' }, caller)).isError, undefined);
    await link.down();
    const failed = await dispatcher.call('lock_context', { project: 'linkedin', topic: 'plan', content: 'written during the outage' }, caller);
    assert.equal(failed.isError, true);
    assert.match(
      transcriptOf(failed),
      /STORE_UNREACHABLE: The memory store \(Postgres\) cannot be reached right now; nothing was saved\. Fix: Try again in a moment/,
    );

    await link.up();
    const recall = await dispatcher.call('recall_context', { project: 'linkedin', topic: 'plan' }, caller);
    assert.match(transcriptOf(recall), /CONTEXT_NOT_FOUND/, 'the failed write left nothing behind');
    const locked = await dispatcher.call('lock_context', { project: 'linkedin', topic: 'plan', content: 'written after the outage' }, caller);
    assert.match(transcriptOf(locked), /Locked plan v1/);
  });
});
