import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../../src/gateway/clock.ts';
import { adminStatus } from '../../../src/gateway/http/admin/status-view.ts';
import { buildTrayMenu, type TrayMenuItem } from '../../../src/main/tray-menu.ts';
import { trayStateFrom } from '../../../src/main/tray-state.ts';
import { disposeSharedPostgres, sharedPostgres, type SharedPostgres } from '../../helpers/postgres.ts';
import { settle, startMachine, type Machine } from '../../sync/sync-harness.ts';
import { hostedSide } from './hosted-side.ts';

let server: SharedPostgres;
let keys = 0;
const newKey = () => `hosted-desktop-${process.pid}-${++keys}-${'k'.repeat(16)}`;

before(async () => {
  server = await sharedPostgres();
});
after(() => disposeSharedPostgres());

const labels = (items: readonly TrayMenuItem[]): string[] =>
  items.flatMap((item) => (item.type === 'separator' ? [] : item.type === 'submenu' ? [item.label, ...labels(item.submenu)] : [item.label]));

describe('desktop and hosted share one tenant both ways (docs/design.md section 10)', { timeout: 60_000 }, () => {
  it('what hosted clients write reaches the desktop and the reverse; the desktop lists the hosted client and its open session', async () => {
    const database = await server.createDatabase('both_ways');
    const apiKey = newKey();
    const clock = new ManualClock();
    const desktop: Machine = await startMachine({ pgUrl: server.url(database), apiKey, clock });
    const hosted = await hostedSide(server.url(database), apiKey, clock);
    try {
      await hosted.ok('create_project', { name: 'innkeeper' });
      await hosted.ok('lock_context', { project: 'innkeeper', topic: 'menu', content: 'Soup of the day, rotating weekly', tags: ['food'] });
      await hosted.ok('add_note', { kind: 'todo', text: 'Print the new menus' });
      await settle(desktop);

      const recall = await desktop.ok('recall_context', { project: 'innkeeper', topic: 'menu' });
      assert.match(recall, /menu v1 \(reference\) \[food\]/);
      assert.match(recall, /Soup of the day/);

      const status = adminStatus(
        { services: desktop.gateway.services, settings: desktop.gateway.settings, mcpUrl: desktop.gateway.mcpUrl, connectionCounts: () => new Map() },
        true,
      );
      assert.deepEqual(
        status.remoteClients.map((c) => ({ name: c.name, sessions: c.sessions.map((s) => s.project) })),
        [{ name: 'claude.ai', sessions: ['innkeeper'] }],
      );
      const tray = labels(buildTrayMenu(trayStateFrom(status, { startAtLogin: false })));
      assert.ok(tray.includes('claude.ai · innkeeper · active'), tray.join('\n'));

      // The reverse: the desktop's write is read by the hosted client.
      await desktop.ok('lock_context', { project: 'innkeeper', topic: 'opening-hours', content: 'Tuesday to Sunday, 11:00 to 23:00', priority: 'important' });
      await settle(desktop);
      assert.match(await hosted.ok('recall_context', { topic: 'opening-hours' }), /Tuesday to Sunday/);
      assert.match(await hosted.ok('search_contexts', { query: 'sunday hours' }), /opening-hours v1 \(important\)/);

      // Handovers cross both ways: the hosted session's handover is the desktop's next read.
      await hosted.ok('end_session', { summary: 'Planned the menu.' });
      await settle(desktop);
      assert.match(
        await desktop.ok('get_last_handover', { project: 'innkeeper' }),
        /Handover for project "innkeeper" from claude\.ai[\s\S]*Planned the menu\./,
      );
      clock.advanceMinutes(5);
      await desktop.ok('end_session', { project: 'innkeeper', summary: 'Set the opening hours.' });
      await settle(desktop);
      assert.match(await hosted.ok('get_last_handover'), /from Claude Code[\s\S]*Set the opening hours\./);
    } finally {
      await desktop.stop({ remove: true });
      await hosted.close();
    }
  });

  it('the same label created on an offline desktop and on the hosted side keeps both texts and records the conflict', async () => {
    const database = await server.createDatabase('offline_conflict');
    const apiKey = newKey();
    const clock = new ManualClock();
    const desktop = await startMachine({ pgUrl: server.url(database), apiKey, clock });
    const hosted = await hostedSide(server.url(database), apiKey, clock);
    try {
      await hosted.ok('create_project', { name: 'linkedin' });
      await settle(desktop);
      await desktop.sync.pause();
      await desktop.ok('lock_context', { project: 'linkedin', topic: 'plan', content: 'Desktop: post on Tuesdays' });
      await hosted.ok('lock_context', { project: 'linkedin', topic: 'plan', content: 'claude.ai: post on Thursdays' });
      await desktop.sync.resume();
      await settle(desktop);

      const versions = [1, 2].map((version) => hosted.ok('recall_context', { topic: 'plan', version }));
      const [v1, v2] = await Promise.all(versions);
      assert.match(v1!, /claude\.ai: post on Thursdays/, 'the server kept the version that reached it first');
      assert.match(v2!, /Desktop: post on Tuesdays/, 'the desktop text moved to the next version');
      assert.match(await desktop.ok('recall_context', { project: 'linkedin', topic: 'plan', version: 1 }), /Thursdays/);
      assert.equal(desktop.sync.status().conflicts.length, 1);
    } finally {
      await desktop.stop({ remove: true });
      await hosted.close();
    }
  });
});
