// Who hears of a resource change (issue 13, docs/design.md invariant 7): only connections of the writer's tenant,
// and of those only the ones that hold the project (listed, subscribed, or their client works on it).
// Hosted mode serves many tenants in one process; locally there is one. Real SQLite memory; the
// watchers record what they are told, as the MCP connections would send it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ManualClock, ManualTimers } from '../../../src/gateway/clock.ts';
import { PROJECT_ROUND_SPACING_MS, ResourceChanges, type ResourceWatcher } from '../../../src/gateway/resources/resource-changes.ts';
import { createServices } from '../../../src/gateway/services.ts';
import { openDatabase } from '../../../src/gateway/store/database.ts';
import type { Caller } from '../../../src/gateway/sessions/caller.ts';
import { tempDir } from '../../helpers/gateway-harness.ts';

class RecordingWatcher implements ResourceWatcher {
  readonly caller: Caller;
  readonly heard: string[] = [];
  private readonly listed: string | null;
  private readonly subscriptions: string[];
  constructor(caller: Caller, listed: string | null, subscriptions: string[] = []) {
    this.caller = caller;
    this.listed = listed;
    this.subscriptions = subscriptions;
  }
  watches(project: string): boolean {
    return this.listed === project;
  }
  subscribed(uri: string): boolean {
    return this.subscriptions.includes(uri);
  }
  listChanged(): void {
    this.heard.push('list_changed');
  }
  updated(uri: string): void {
    this.heard.push(`updated ${uri}`);
  }
  /** A 2025 connection hears only while its GET stream is open. */
  open = true;
  listening(): boolean {
    return this.open;
  }
}

describe('resource change routing', () => {
  const dir = tempDir();
  const clock = new ManualClock();
  const services = createServices(openDatabase(join(dir, 'memory.sqlite'), clock), clock, 120);
  after(() => services.db.close());
  services.projects.create('shop');
  services.projects.create('blog');
  // Tenants by client name prefix: "a:..." and "b:..." (hosted mode knows it from the OAuth grant).
  const caller = (name: string, instanceKey = ''): Caller => ({
    client: services.clients.add(name, 'other', null).client,
    instanceKey,
    tenant: name.split(':')[0],
  });
  // Each change below comes after a quiet spell (a project's rounds are spaced; notification-spacing.test.ts).
  const timers = new ManualTimers();
  const changes = new ResourceChanges({ memoryOf: () => services.memory, timers });
  const quietSpell = () => timers.advance(PROJECT_ROUND_SPACING_MS);
  const lock = (who: Caller, project: string, label: string) => {
    quietSpell();
    return changes.callCompleted({
      caller: who,
      operation: 'lock_context',
      project,
      selected: false,
      effects: { locked: [{ label, version: 1, priority: 'reference' }] },
    });
  };

  it('skips connections that cannot hear now (no open stream): nothing is prepared for them', async () => {
    const writer = caller('a:streamer');
    const gone = new RecordingWatcher(caller('a:gone'), 'shop', ['dementia://projects/shop/contexts/menu']);
    gone.open = false;
    const stop = changes.add(gone);
    await lock(writer, 'shop', 'menu');
    assert.deepEqual(gone.heard, []);
    gone.open = true;
    await lock(writer, 'shop', 'menu');
    assert.deepEqual(gone.heard, ['updated dementia://projects/shop/contexts/menu', 'list_changed']);
    stop();
  });

  it('tells only the same tenant, and of it only who holds the project', async () => {
    const writer = caller('a:writer');
    const sameTenant = new RecordingWatcher(caller('a:reader'), 'shop', ['dementia://projects/shop/contexts/prices']);
    const otherProject = new RecordingWatcher(caller('a:blogger'), 'blog');
    const otherTenant = new RecordingWatcher(caller('b:reader'), 'shop', ['dementia://projects/shop/contexts/prices']);
    const stops = [sameTenant, otherProject, otherTenant].map((w) => changes.add(w));
    await lock(writer, 'shop', 'prices');
    assert.deepEqual(sameTenant.heard, ['updated dementia://projects/shop/contexts/prices', 'list_changed']);
    assert.deepEqual(otherProject.heard, []);
    assert.deepEqual(otherTenant.heard, [], 'another tenant\'s "shop" is another project');
    // Reads change nothing.
    await changes.callCompleted({
      caller: writer,
      operation: 'recall_context',
      project: 'shop',
      selected: false,
      effects: { recalled: [{ label: 'prices', version: 1 }] },
    });
    assert.equal(sameTenant.heard.length, 2);
    for (const stop of stops) stop();
    assert.equal(changes.size, 0);
  });

  it('tells a connection that never listed when its client works on the project (after a re-attach), and on a selection change', async () => {
    const reattached = caller('a:desktop', '/repo');
    services.clients.setActiveProject(reattached.client.id, '/repo', 'blog');
    const fresh = new RecordingWatcher(reattached, null);
    const otherWindow = new RecordingWatcher({ ...reattached, instanceKey: '/elsewhere' }, null);
    const stops = [fresh, otherWindow].map((w) => changes.add(w));
    await lock(caller('a:writer2'), 'blog', 'post');
    assert.deepEqual(fresh.heard, ['list_changed']);
    assert.deepEqual(otherWindow.heard, [], 'another window of the client has its own project (none)');
    services.clients.setActiveProject(reattached.client.id, '/repo', 'shop'); // what the selecting call committed
    await changes.callCompleted({ caller: reattached, operation: 'select_project_for_session', project: 'shop', selected: true, effects: {} });
    assert.deepEqual(fresh.heard, ['list_changed', 'list_changed']);
    assert.deepEqual(otherWindow.heard, []);
    quietSpell();
    await changes.handoversWritten([{ project: 'blog' } as Parameters<typeof changes.handoversWritten>[0][number]], 'a');
    assert.equal(fresh.heard.length, 2, "the client moved to shop: blog's handover is not its business now");
    for (const stop of stops) stop();
  });
});
