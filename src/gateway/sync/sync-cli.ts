import { isUserError } from '../errors.ts';
import type { Services } from '../services.ts';
import type { Settings } from '../settings.ts';
import { resolveSyncConfig } from './sync-config.ts';
import { storedSyncStatus, type SyncStatus } from '../store/sync-status.ts';
import { plural } from '../text/format.ts';

export type CliSyncStatus = Omit<SyncStatus, 'server' | 'schema'> & {
  configured: boolean;
  server: string | null;
  schema: string | null;
  /** True when a running gateway reported this status (its own settings, not the calling shell's). */
  fromGateway?: boolean;
};

const STATES = new Set(['not_configured', 'online', 'offline', 'error', 'paused']);
const isSyncStatus = (value: unknown): value is SyncStatus =>
  typeof value === 'object' && value !== null && STATES.has((value as { state?: unknown }).state as string);

/**
 * Sync as `dementia status` shows it: the running gateway's live status when there is one (the
 * gateway's own settings decide, not the calling shell's environment), else what the store knows
 * under this shell's settings (what a gateway started from here would do).
 */
export function cliSyncStatus(settings: Settings, services: Services, live: unknown, running: boolean): CliSyncStatus {
  if (running && (live === null || isSyncStatus(live))) return gatewaySyncStatus(services, live);
  try {
    const config = resolveSyncConfig(settings);
    if (!config) return { ...storedSyncStatus(services.db, services.outbox), configured: false, server: null, schema: null };
    const status = running && isSyncStatus(live) ? live : storedSyncStatus(services.db, services.outbox, 'offline');
    return { ...status, configured: true, server: config.displayUrl, schema: config.schema };
  } catch (error) {
    if (!isUserError(error)) throw error;
    return { ...storedSyncStatus(services.db, services.outbox, 'error'), lastError: error.describe(), configured: true, server: null, schema: null };
  }
}

/** The running gateway's report: null or not_configured means that gateway does not sync. */
function gatewaySyncStatus(services: Services, live: SyncStatus | null): CliSyncStatus {
  if (live === null || live.state === 'not_configured') {
    return { ...storedSyncStatus(services.db, services.outbox), configured: false, server: null, schema: null, fromGateway: true };
  }
  const { server, schema, ...status } = live;
  return { ...status, configured: true, server: server ?? null, schema: schema ?? null, fromGateway: true };
}

export function syncLine(status: CliSyncStatus, running: boolean): string {
  if (!status.configured && status.fromGateway) {
    return 'not configured in the running gateway (restart it with DEMENTIA_PG_URL and DEMENTIA_API_KEY set to sync)';
  }
  if (!status.configured) return 'not configured (set DEMENTIA_PG_URL and DEMENTIA_API_KEY to sync)';
  const where = status.server ? ` to ${status.server} (schema ${status.schema})` : '';
  const state = !running && status.state === 'offline' ? 'not running' : status.state;
  const times = `last push ${status.lastPushAt ?? 'never'}, last pull ${status.lastPullAt ?? 'never'}`;
  const listed = status.conflictCount > status.conflicts.length ? ` (the ${status.conflicts.length} most recent in --json)` : '';
  const conflicts = status.conflictCount > 0 ? `, ${plural(status.conflictCount, 'conflict')}${listed}` : '';
  const error = status.lastError ? `; last error: ${status.lastError}` : '';
  return `${state}${where}: ${status.pending} pending, ${times}${conflicts}${error}`;
}
