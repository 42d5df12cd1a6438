import type { Settings } from '../../settings.ts';
import { statusSnapshot, type ConnectionCounts, type StatusSnapshot } from '../../status-snapshot.ts';
import type { Services } from '../../services.ts';
import { APP_VERSION } from '../../version.ts';
import { clientView, type ClientView } from './client-activity.ts';
import { summarizeSync, type SyncControl, type SyncSummary } from './sync-control.ts';

/** What the status window and the tray render: the gateway's snapshot plus sync and address. */
export type AdminStatus = Omit<StatusSnapshot, 'sync' | 'clients'> & {
  clients: ClientView[];
  gateway: { mcpUrl: string; version: string; dataDir: string; pid: number };
  sync: SyncSummary;
  /** The sync engine's own status, for details such as the list of conflicts; null without sync. */
  syncDetail: unknown;
  /** True inside the desktop app (settings are editable, start at login exists). */
  desktop: boolean;
};

export interface StatusSources {
  services: Services;
  settings: Settings;
  mcpUrl: string;
  connectionCounts(): ConnectionCounts;
  sync?: SyncControl | undefined;
}

export function adminStatus(sources: StatusSources, desktop: boolean): AdminStatus {
  const snapshot = statusSnapshot(sources.services, sources.connectionCounts()) as StatusSnapshot & { sync?: unknown };
  const detail = sources.sync ? sources.sync.status() : (snapshot.sync ?? null);
  return {
    ...snapshot,
    clients: snapshot.clients.map((client) => clientView(client, snapshot)),
    gateway: { mcpUrl: sources.mcpUrl, version: APP_VERSION, dataDir: sources.settings.dataDir, pid: process.pid },
    sync: summarizeSync(detail),
    syncDetail: detail ?? null,
    desktop,
  };
}
