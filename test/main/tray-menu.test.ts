import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SyncSummary } from '../../src/gateway/http/admin/sync-control.ts';
import { summarizeSync } from '../../src/gateway/http/admin/sync-control.ts';
import { clientView } from '../../src/gateway/http/admin/client-activity.ts';
import type { ClientStatus } from '../../src/gateway/status-snapshot.ts';
import { buildTrayMenu, syncLine, trayTooltip, type TrayMenuItem } from '../../src/main/tray-menu.ts';
import type { TrayClient, TrayState } from '../../src/main/tray-state.ts';

const NOW = '2026-01-05T10:00:00.000Z';
const NO_SYNC = summarizeSync(undefined);

const client = (overrides: Partial<TrayClient> & Pick<TrayClient, 'id' | 'name'>): TrayClient => ({
  kind: 'claude-code',
  project: null,
  pinned: false,
  connections: 0,
  openSessions: 0,
  activity: { kind: 'never-connected' },
  activityLabel: 'not connected yet',
  ...overrides,
});

const state = (overrides: Partial<TrayState> = {}): TrayState => ({
  address: '127.0.0.1:47821',
  mcpUrl: 'http://127.0.0.1:47821/mcp',
  now: NOW,
  sync: NO_SYNC,
  clients: [],
  remoteClients: [],
  projects: ['client-portal', 'linkedin'],
  startAtLogin: false,
  ...overrides,
});

/** The menu as lines: what a user reads, with radio/checkbox marks and disabled items in brackets. */
function render(items: readonly TrayMenuItem[], indent = ''): string[] {
  return items.flatMap((item) => {
    if (item.type === 'separator') return [`${indent}---`];
    if (item.type === 'submenu') return [`${indent}${item.label} >`, ...render(item.submenu, `${indent}  `)];
    const mark = item.type === 'radio' ? (item.checked ? '(•) ' : '( ) ') : item.type === 'checkbox' ? (item.checked ? '[x] ' : '[ ] ') : '';
    return [`${indent}${mark}${item.enabled ? item.label : `[${item.label}]`}`];
  });
}

describe('tray menu as data', () => {
  it('clients of the hosted server are listed after the local ones, one line per open work session', () => {
    const menu = render(
      buildTrayMenu(
        state({
          clients: [
            client({
              id: 'c1',
              name: 'Claude Code',
              project: 'linkedin',
              activityLabel: 'active',
              openSessions: 1,
              activity: { kind: 'active', minutesUntilHandover: 119 },
            }),
          ],
          remoteClients: [
            {
              id: 'r1',
              name: 'claude.ai',
              kind: 'other',
              lastSeenAt: NOW,
              sessions: [
                { id: 's1', project: 'innkeeper', startedAt: '2026-01-05T09:00:00.000Z', lastActivityAt: '2026-01-05T09:59:30.000Z', callCount: 4 },
                { id: 's2', project: 'linkedin', startedAt: '2026-01-05T09:00:00.000Z', lastActivityAt: '2026-01-05T09:20:00.000Z', callCount: 9 },
              ],
            },
            { id: 'r2', name: 'Claude Desktop (remote)', kind: 'other', lastSeenAt: null, sessions: [] },
          ],
        }),
      ),
    );
    const start = menu.indexOf('[On the hosted server]');
    assert.ok(start > menu.indexOf('Claude Code — linkedin · active >'), menu.join('\n'));
    assert.deepEqual(menu.slice(start, start + 4), [
      '[On the hosted server]',
      '[claude.ai · innkeeper · active]',
      '[claude.ai · linkedin · idle 40 min]',
      '[Claude Desktop (remote) · no open session]',
    ]);
  });

  it('no clients', () => {
    assert.deepEqual(render(buildTrayMenu(state())), [
      'Gateway 127.0.0.1:47821 (copy MCP URL)',
      '[Sync not configured]',
      '---',
      '[No clients connected yet]',
      '---',
      'Connect a client…',
      'Open status',
      '---',
      '[ ] [Pause sync]',
      '[ ] Start at login',
      '---',
      'Quit Dementia Companion',
    ]);
  });

  it('several clients: project and state per client, a project radio list with "No project", "End session now"', () => {
    const menu = buildTrayMenu(
      state({
        startAtLogin: true,
        clients: [
          client({
            id: 'a',
            name: 'Claude Code',
            project: 'linkedin',
            connections: 2,
            openSessions: 1,
            activity: { kind: 'active', minutesUntilHandover: 119 },
            activityLabel: 'active',
          }),
          client({
            id: 'b',
            name: 'Claude Desktop',
            kind: 'claude-desktop',
            project: 'client-portal',
            openSessions: 1,
            activity: { kind: 'idle', idleMinutes: 37, minutesUntilHandover: 83 },
            activityLabel: 'idle 37 min',
          }),
          client({
            id: 'c',
            name: 'Cursor',
            kind: 'cursor',
            project: 'linkedin',
            activity: { kind: 'handover-written', at: NOW, connected: false },
            activityLabel: 'handover written',
          }),
        ],
      }),
    );
    assert.deepEqual(render(menu).slice(3, 25), [
      'Claude Code — linkedin · active >',
      '  [Project]',
      '  ( ) client-portal',
      '  (•) linkedin',
      '  ( ) No project',
      '  ---',
      '  End session now',
      'Claude Desktop — client-portal · idle 37 min >',
      '  [Project]',
      '  (•) client-portal',
      '  ( ) linkedin',
      '  ( ) No project',
      '  ---',
      '  End session now',
      'Cursor — linkedin · handover written >',
      '  [Project]',
      '  ( ) client-portal',
      '  (•) linkedin',
      '  ( ) No project',
      '  ---',
      '  [End session now]',
      '---',
    ]);
    assert.ok(render(menu).includes('[x] Start at login'));
    const radio = (menu[3] as Extract<TrayMenuItem, { type: 'submenu' }>).submenu[1];
    assert.deepEqual(radio, {
      type: 'radio',
      id: 'client:a:project:client-portal',
      label: 'client-portal',
      enabled: true,
      checked: false,
      action: { type: 'set-project', clientId: 'a', project: 'client-portal' },
    });
    assert.equal(trayTooltip(state({ clients: [client({ id: 'a', name: 'A' })] })), 'Dementia Companion — 1 client · Sync not configured');
  });

  it('no project; a pinned client cannot be changed from the tray and says why', () => {
    const menu = render(
      buildTrayMenu(
        state({
          clients: [
            client({ id: 'a', name: 'Claude Code' }),
            client({
              id: 'b',
              name: 'Repo bot',
              project: 'linkedin',
              pinned: true,
              activity: { kind: 'connected', lastContactAt: NOW, called: true },
              activityLabel: 'connected',
            }),
          ],
        }),
      ),
    );
    assert.deepEqual(menu.slice(3, 19), [
      'Claude Code — no project · not connected yet >',
      '  [Project]',
      '  ( ) client-portal',
      '  ( ) linkedin',
      '  (•) No project',
      '  ---',
      '  [End session now]',
      'Repo bot — linkedin (pinned) · connected >',
      '  [Pinned to linkedin in its config]',
      '  ( ) [client-portal]',
      '  (•) [linkedin]',
      '  ( ) [No project]',
      '  ---',
      '  [End session now]',
      '---',
      'Connect a client…',
    ]);
  });

  it('a client is connected before its first tool call, and says when it was last connected once its sessions closed', () => {
    const base: ClientStatus = {
      id: 'x',
      name: 'Cursor',
      kind: 'cursor',
      pinnedProject: null,
      lastSeenAt: null,
      lastContactAt: NOW,
      connections: 1,
      instances: [],
      sessions: [],
    };
    const line = (status: ClientStatus) => {
      const view = clientView(status, { now: NOW, handovers: [] });
      return render(buildTrayMenu(state({ clients: [client({ ...view, openSessions: 0 })] })))[3];
    };
    assert.equal(line(base), 'Cursor — no project · connected, no tool call yet >');
    assert.equal(line({ ...base, lastSeenAt: '2026-01-05T09:40:00.000Z' }), 'Cursor — no project · connected >');
    assert.equal(
      line({ ...base, connections: 0, lastContactAt: '2026-01-05T09:55:00.000Z' }),
      'Cursor — no project · last connected 5 min ago, no tool call yet >',
    );
    assert.equal(
      line({ ...base, connections: 0, lastContactAt: '2026-01-03T09:55:00.000Z', lastSeenAt: '2026-01-03T09:50:00.000Z' }),
      'Cursor — no project · last connected 2 days ago >',
    );
    assert.equal(line({ ...base, connections: 0, lastContactAt: null }), 'Cursor — no project · not connected yet >');
  });

  it('offline with pending changes', () => {
    const sync = summarizeSync({
      state: 'offline',
      pending: 14,
      lastPushAt: '2026-01-05T09:50:00.000Z',
      lastPullAt: null,
      lastError: 'connect ECONNREFUSED',
      conflicts: [],
    });
    const menu = render(buildTrayMenu(state({ sync })));
    assert.deepEqual(menu.slice(0, 2), ['Gateway 127.0.0.1:47821 (copy MCP URL)', 'Offline, 14 changes waiting']);
    assert.ok(menu.includes('Sync now'));
    assert.ok(menu.includes('[ ] Pause sync'), 'sync is configured: pause is enabled');
  });

  it('conflicts, synced, paused, error', () => {
    const conflict = { id: '1', project: 'linkedin', label: 'schedule', detail: 'both machines wrote v3', at: NOW };
    const synced = summarizeSync({
      state: 'online',
      pending: 0,
      lastPushAt: '2026-01-05T09:58:00.000Z',
      lastPullAt: '2026-01-05T09:57:00.000Z',
      lastError: null,
      conflicts: [conflict, conflict],
    });
    const menu = render(buildTrayMenu(state({ sync: synced })));
    assert.deepEqual(menu.slice(0, 4), ['Gateway 127.0.0.1:47821 (copy MCP URL)', 'Synced 2 min ago', '2 sync conflicts — review', '---']);
    const conflicts = buildTrayMenu(state({ sync: synced })).find((item) => item.type !== 'separator' && item.id === 'conflicts');
    assert.deepEqual(conflicts && 'action' in conflicts ? conflicts.action : undefined, { type: 'open-status', view: 'sync' });
    const paused = summarizeSync({ state: 'paused', pending: 3, lastPushAt: null, lastPullAt: null, lastError: null, conflicts: [] });
    const pausedMenu = render(buildTrayMenu(state({ sync: paused })));
    assert.equal(pausedMenu[1], 'Sync paused, 3 changes waiting');
    assert.ok(pausedMenu.includes('[x] Pause sync'));
    assert.ok(pausedMenu.includes('[Sync now]'), 'paused: nothing to sync now');
    const error: SyncSummary = summarizeSync({
      state: 'error',
      pending: 1,
      lastPushAt: null,
      lastPullAt: null,
      lastError: 'permission denied for schema dementia_0123456789abcdef while pushing the outbox',
      conflicts: [],
    });
    assert.equal(syncLine(error, NOW), 'Sync error: permission denied for schema dementia_0123456789abcdef whil…');
  });
});
