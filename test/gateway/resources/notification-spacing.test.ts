// A burst of writes to one project reaches each watching connection as a few notifications, not one
// per write: the first change after a quiet spell at once, the rest together once the spacing has
// passed (PROJECT_ROUND_SPACING_MS). Real gateway, real SDK clients over Streamable HTTP; the
// spacing's timers are moved by the test.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualTimers } from '../../../src/gateway/clock.ts';
import { PROJECT_ROUND_SPACING_MS } from '../../../src/gateway/resources/resource-changes.ts';
import { connectClient, startTestGateway, type TestGateway } from '../../helpers/gateway-harness.ts';
import { notificationLog } from '../../helpers/resource-notifications.ts';

describe('resource notifications under a burst of writes', () => {
  const timers = new ManualTimers();
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ timers });
    gw.gateway.services.projects.create('shop');
    gw.gateway.services.projects.create('blog');
  });
  after(() => gw.stop());

  it('tells a watcher of the first change at once and of the next ten in one round when the spacing has passed', { timeout: 30_000 }, async () => {
    const watcher = await connectClient(gw.url, gw.addClient('watcher').token);
    const writer = await connectClient(gw.url, gw.addClient('writer').token);
    try {
      await watcher.call('select_project_for_session', { project_name: 'shop' });
      const log = notificationLog(watcher.client);
      await watcher.client.listResources();
      const menu = 'dementia://projects/shop/contexts/menu';
      await watcher.client.subscribeResource({ uri: menu });

      await writer.call('lock_context', { project: 'shop', topic: 'menu', content: 'Soup of the day' });
      await log.until(`updated ${menu}`);
      // The event stream keeps order; what came before the first update (its start, the selection) is not counted.
      const first = log.entries.indexOf(`updated ${menu}`);
      const since = () => log.entries.slice(first);
      const listChanged = (count: number) => log.until('list_changed', log.entries.slice(0, first).filter((e) => e === 'list_changed').length + count);
      await listChanged(1);
      assert.deepEqual(since(), [`updated ${menu}`, 'list_changed'], 'the first change goes at once');

      for (let i = 0; i < 10; i++) {
        await writer.call('lock_context', { project: 'shop', topic: i % 2 === 0 ? 'menu' : `special/${i}`, content: `Special ${i}` });
      }
      // The watcher's own move to another project is told at once, and whatever the ten writes had
      // announced would be ahead of it on the stream. It still holds shop's list.
      await watcher.call('select_project_for_session', { project_name: 'blog' });
      await listChanged(2);
      assert.deepEqual(since(), [`updated ${menu}`, 'list_changed', 'list_changed'], 'the ten writes wait for the spacing');

      timers.advance(PROJECT_ROUND_SPACING_MS);
      await listChanged(3);
      assert.deepEqual(since().slice(3), [`updated ${menu}`, 'list_changed'], 'one round for the ten: each subscribed URI once, one list_changed');

      // A quiet spell: the next change goes at once again.
      timers.advance(PROJECT_ROUND_SPACING_MS);
      await writer.call('lock_context', { project: 'shop', topic: 'menu', content: 'Bread and soup' });
      await listChanged(4);
      assert.deepEqual(since().slice(5), [`updated ${menu}`, 'list_changed']);
    } finally {
      await Promise.all([watcher.close(), writer.close()]);
    }
  });
});
