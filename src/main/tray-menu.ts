import { ACTIVE_MINUTES, formatMinutes, idleMinutesOf } from '../gateway/http/admin/client-activity.ts';
import type { RemoteClientStatus } from '../gateway/status-snapshot.ts';
import type { SyncSummary } from '../gateway/http/admin/sync-control.ts';
import type { TrayClient, TrayState } from './tray-state.ts';

/** What a click on a tray item does; data, so menus can be compared in tests and dispatched anywhere. */
export type TrayAction =
  | { type: 'copy-address' }
  | { type: 'set-project'; clientId: string; project: string | null }
  | { type: 'end-session'; clientId: string }
  | { type: 'open-status'; view?: string }
  | { type: 'connect-client' }
  | { type: 'sync-now' }
  | { type: 'toggle-sync-pause' }
  | { type: 'toggle-start-at-login' }
  | { type: 'quit' };

/** A menu item as plain data; electron-adapter.ts turns it into an Electron MenuItem. */
export type TrayMenuItem =
  | { type: 'separator' }
  | { type: 'normal' | 'checkbox' | 'radio'; id: string; label: string; enabled: boolean; checked?: boolean; action?: TrayAction }
  | { type: 'submenu'; id: string; label: string; submenu: TrayMenuItem[] };

const SEPARATOR: TrayMenuItem = { type: 'separator' };

const info = (id: string, label: string): TrayMenuItem => ({ type: 'normal', id, label, enabled: false });
const item = (id: string, label: string, action: TrayAction, enabled = true): TrayMenuItem => ({ type: 'normal', id, label, enabled, action });

/** "Synced 2 min ago", "Offline, 14 changes waiting", "Sync error: ...". */
export function syncLine(sync: SyncSummary, now: string): string {
  const waiting = sync.pending === 1 ? '1 change waiting' : `${sync.pending} changes waiting`;
  switch (sync.state) {
    case 'not-configured':
      return 'Sync not configured';
    case 'paused':
      return sync.pending > 0 ? `Sync paused, ${waiting}` : 'Sync paused';
    case 'offline':
      return sync.pending > 0 ? `Offline, ${waiting}` : 'Offline';
    case 'error':
      return `Sync error: ${truncate(sync.lastError ?? 'unknown error', 60)}`;
    case 'syncing':
      return sync.pending > 0 ? `Syncing, ${waiting}` : 'Syncing…';
    case 'synced': {
      const last = latest(sync.lastPushAt, sync.lastPullAt);
      if (last === null) return sync.pending > 0 ? `Sync on, ${waiting}` : 'Sync on, not synced yet';
      const minutes = Math.floor((Date.parse(now) - Date.parse(last)) / 60_000);
      const ago = minutes < 1 ? 'just now' : `${formatMinutes(minutes)} ago`;
      return sync.pending > 0 ? `Synced ${ago}, ${waiting}` : `Synced ${ago}`;
    }
  }
}

/** "Claude Code — linkedin · active" */
export function clientLine(client: TrayClient): string {
  const project = client.project === null ? 'no project' : client.pinned ? `${client.project} (pinned)` : client.project;
  return `${client.name} — ${project} · ${client.activityLabel}`;
}

/**
 * "claude.ai · innkeeper · active": one line per open work session of a hosted client, or one saying
 * it has none. The hosted server owns these clients; the desktop only shows them.
 */
export function remoteClientLines(client: RemoteClientStatus, now: string): string[] {
  if (client.sessions.length === 0) return [`${client.name} · no open session`];
  return client.sessions.map((session) => {
    const idle = idleMinutesOf(session.lastActivityAt, Date.parse(now));
    return `${client.name} · ${session.project} · ${idle < ACTIVE_MINUTES ? 'active' : `idle ${formatMinutes(idle)}`}`;
  });
}

function clientSubmenu(client: TrayClient, projects: readonly string[]): TrayMenuItem[] {
  const items: TrayMenuItem[] = [];
  if (client.pinned) items.push(info(`client:${client.id}:pinned`, `Pinned to ${client.project} in its config`));
  else items.push(info(`client:${client.id}:heading`, 'Project'));
  // A radio group: Electron groups consecutive radio items, so "No project" belongs with them.
  for (const project of projects) {
    items.push({
      type: 'radio',
      id: `client:${client.id}:project:${project}`,
      label: project,
      enabled: !client.pinned,
      checked: client.project === project,
      action: { type: 'set-project', clientId: client.id, project },
    });
  }
  items.push({
    type: 'radio',
    id: `client:${client.id}:project:none`,
    label: 'No project',
    enabled: !client.pinned,
    checked: client.project === null,
    action: { type: 'set-project', clientId: client.id, project: null },
  });
  items.push(SEPARATOR);
  items.push(item(`client:${client.id}:end-session`, 'End session now', { type: 'end-session', clientId: client.id }, client.openSessions > 0));
  return items;
}

/** The whole tray menu as a pure function of state; rebuilt on every change. */
export function buildTrayMenu(state: TrayState): TrayMenuItem[] {
  const menu: TrayMenuItem[] = [
    item('address', `Gateway ${state.address} (copy MCP URL)`, { type: 'copy-address' }),
    item('sync', syncLine(state.sync, state.now), { type: 'open-status', view: 'sync' }, state.sync.configured),
  ];
  if (state.sync.conflicts > 0) {
    const label = state.sync.conflicts === 1 ? '1 sync conflict — review' : `${state.sync.conflicts} sync conflicts — review`;
    menu.push(item('conflicts', label, { type: 'open-status', view: 'sync' }));
  }
  menu.push(SEPARATOR);
  if (state.clients.length === 0) {
    menu.push(info('no-clients', 'No clients connected yet'));
  } else {
    for (const client of state.clients) {
      menu.push({ type: 'submenu', id: `client:${client.id}`, label: clientLine(client), submenu: clientSubmenu(client, state.projects) });
    }
  }
  if (state.remoteClients.length > 0) {
    menu.push(SEPARATOR, info('remote-heading', 'On the hosted server'));
    for (const client of state.remoteClients) {
      remoteClientLines(client, state.now).forEach((line, index) => menu.push(info(`remote:${client.id}:${index}`, line)));
    }
  }
  menu.push(SEPARATOR);
  menu.push(item('connect', 'Connect a client…', { type: 'connect-client' }));
  menu.push(item('open-status', 'Open status', { type: 'open-status' }));
  menu.push(SEPARATOR);
  if (state.sync.configured) menu.push(item('sync-now', 'Sync now', { type: 'sync-now' }, !state.sync.paused));
  menu.push({
    type: 'checkbox',
    id: 'pause-sync',
    label: 'Pause sync',
    enabled: state.sync.configured,
    checked: state.sync.paused,
    action: { type: 'toggle-sync-pause' },
  });
  menu.push({
    type: 'checkbox',
    id: 'start-at-login',
    label: 'Start at login',
    enabled: true,
    checked: state.startAtLogin,
    action: { type: 'toggle-start-at-login' },
  });
  menu.push(SEPARATOR);
  menu.push(item('quit', 'Quit Dementia Companion', { type: 'quit' }));
  return menu;
}

/** One line for the tray tooltip. */
export function trayTooltip(state: TrayState): string {
  const clients = state.clients.length === 1 ? '1 client' : `${state.clients.length} clients`;
  return `Dementia Companion — ${clients} · ${syncLine(state.sync, state.now)}`;
}

function latest(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
