import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ManualClock } from '../../../../src/gateway/clock.ts';
import { PgTenantMemory } from '../../../../src/gateway/hosted/pg-memory/pg-memory.ts';
import { ResourceChanges, type ResourceWatcher } from '../../../../src/gateway/resources/resource-changes.ts';
import type { Caller } from '../../../../src/gateway/sessions/caller.ts';
import { newId } from '../../../../src/gateway/secrets.ts';
import { disposeSharedPostgres, sharedPostgres } from '../../../helpers/postgres.ts';
import { addTenants } from '../hosted-processes.ts';

/**
 * A connection that never listed a project still hears when the project its client works on changes
 * (after a re-attach to another process, say). Hosted, who works on a project is one statement
 * outside any transaction (PgTenantMemory.instancesOn): it must answer from the tenant's schema.
 */
describe('hosted: who works on a project, for resource notifications', { timeout: 120_000 }, () => {
  let pool: pg.Pool;
  let memory: PgTenantMemory;
  let schema: string;
  before(async () => {
    const server = await sharedPostgres();
    const pgUrl = server.url(await server.createDatabase('instances_on'));
    pool = new pg.Pool({ connectionString: pgUrl, max: 2 });
    schema = (await addTenants(pgUrl, 1))[0]!.schema;
    memory = new PgTenantMemory(pool, schema, new ManualClock(Date.parse('2026-12-07T10:00:00Z')));
  });
  after(async () => {
    await pool.end();
    await disposeSharedPostgres();
  });

  it('a watcher whose client has the project selected hears list_changed; one on another project does not', async () => {
    await memory.projects.create('blog');
    await memory.projects.create('shop');
    const caller = (name: string, instanceKey: string): Caller => ({
      client: { id: newId(), name, kind: 'other', createdAt: 0, lastSeenAt: null, lastContactAt: null, pinnedProject: null },
      instanceKey,
      tenant: schema,
    });
    const onBlog = caller('desktop', '/repo');
    const onShop = caller('laptop', '/other');
    await memory.clientState.setActiveProject(onBlog.client.id, onBlog.instanceKey, 'blog');
    await memory.clientState.setActiveProject(onShop.client.id, onShop.instanceKey, 'shop');
    assert.deepEqual(await memory.clientState.instancesOn('blog'), [{ clientId: onBlog.client.id, instanceKey: '/repo' }]);

    const heard: string[] = [];
    const watcher = (who: Caller): ResourceWatcher => ({
      caller: who,
      watches: () => false,
      subscribed: () => false,
      listChanged: () => heard.push(who.client.name),
      updated: () => {},
    });
    const changes = new ResourceChanges({ memoryOf: () => memory, onError: (error) => assert.fail(String(error)) });
    changes.add(watcher(onBlog));
    changes.add(watcher(onShop));
    await changes.callCompleted({
      caller: caller('writer', ''),
      operation: 'lock_context',
      project: 'blog',
      selected: false,
      effects: { locked: [{ label: 'post', version: 1, priority: 'reference' }] },
    });
    assert.deepEqual(heard, ['desktop']);
  });
});
