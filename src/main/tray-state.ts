import type { ClientActivity } from '../gateway/http/admin/client-activity.ts';
import type { AdminStatus } from '../gateway/http/admin/status-view.ts';
import type { SyncSummary } from '../gateway/http/admin/sync-control.ts';
import type { RemoteClientStatus } from '../gateway/status-snapshot.ts';

/** Everything the tray menu shows; built from the same status the status window renders. */
export interface TrayState {
  /** "127.0.0.1:47821" */
  address: string;
  mcpUrl: string;
  now: string;
  sync: SyncSummary;
  clients: TrayClient[];
  /** The tenant's clients on the hosted server (claude.ai, ...), known through sync. */
  remoteClients: RemoteClientStatus[];
  projects: string[];
  startAtLogin: boolean;
}

export interface TrayClient {
  id: string;
  name: string;
  kind: string;
  project: string | null;
  pinned: boolean;
  connections: number;
  openSessions: number;
  activity: ClientActivity;
  activityLabel: string;
}

export function trayStateFrom(status: AdminStatus, options: { startAtLogin: boolean }): TrayState {
  return {
    address: new URL(status.gateway.mcpUrl).host,
    mcpUrl: status.gateway.mcpUrl,
    now: status.now,
    sync: status.sync,
    clients: status.clients.map((client) => ({
      id: client.id,
      name: client.name,
      kind: client.kind,
      project: client.project,
      pinned: client.pinned,
      connections: client.connections,
      openSessions: client.sessions.length,
      activity: client.activity,
      activityLabel: client.activityLabel,
    })),
    remoteClients: status.remoteClients,
    projects: status.projects.map((project) => project.name),
    startAtLogin: options.startAtLogin,
  };
}
