import { isUserError } from '../errors.ts';
import type { Services } from '../services.ts';
import type { Settings } from '../settings.ts';
import { resolveSyncConfig } from './sync-config.ts';
import { storedSyncStatus, type SyncStatus } from '../store/sync-status.ts';
import { plural } from '../text/format.ts';

export type CliSyncStatus = SyncStatus & { configured: boolean; server: string | null; schema: string | null };

const STATES = new Set(['not_configured', 'online', 'offline', 'error', 'paused']);
const isSyncStatus = (value: unknown): value is SyncStatus =>
  typeof value === 'object' && value !== null && STATES.has((value as { state?: unknown }).state as string);

/**
 * Sync as `dementia status` shows it: the running gateway's live status when there is one, else
 * what the store knows (the worker only runs inside the gateway).
 */
export function cliSyncStatus(settings: Settings, services: Services, live: unknown, running: boolean): CliSyncStatus {
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

export function syncLine(status: CliSyncStatus, running: boolean): string {
  if (!status.configured) return 'not configured (set DEMENTIA_PG_URL and DEMENTIA_API_KEY to sync)';
  const where = status.server ? ` to ${status.server} (schema ${status.schema})` : '';
  const state = !running && status.state === 'offline' ? 'not running' : status.state;
  const times = `last push ${status.lastPushAt ?? 'never'}, last pull ${status.lastPullAt ?? 'never'}`;
  const conflicts = status.conflicts.length > 0 ? `, ${plural(status.conflicts.length, 'conflict')}` : '';
  const error = status.lastError ? `; last error: ${status.lastError}` : '';
  return `${state}${where}: ${status.pending} pending, ${times}${conflicts}${error}`;
}
