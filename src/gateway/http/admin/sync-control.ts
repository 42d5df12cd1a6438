/**
 * The part of the sync engine the desktop views use. Structural, so the admin API works with the
 * engine when a gateway has one and without it (no Postgres configured) when it has none.
 */
export interface SyncControl {
  status(): unknown;
  syncNow(): Promise<unknown> | unknown;
  pause(): Promise<unknown> | unknown;
  resume(): Promise<unknown> | unknown;
}

/** What the tray and the status window show about sync, read tolerantly from the engine's status. */
export interface SyncSummary {
  configured: boolean;
  state: 'synced' | 'syncing' | 'offline' | 'error' | 'paused' | 'not-configured';
  paused: boolean;
  pending: number;
  conflicts: number;
  lastPushAt: string | null;
  lastPullAt: string | null;
  lastError: string | null;
}

const NOT_CONFIGURED: SyncSummary = {
  configured: false,
  state: 'not-configured',
  paused: false,
  pending: 0,
  conflicts: 0,
  lastPushAt: null,
  lastPullAt: null,
  lastError: null,
};

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const time = (value: unknown): string | null =>
  typeof value === 'number' ? new Date(value).toISOString() : value instanceof Date ? value.toISOString() : text(value);
const count = (value: unknown): number => (typeof value === 'number' ? value : Array.isArray(value) ? value.length : 0);

/**
 * Normalizes the engine's SyncStatus (state not_configured | online | offline | error | paused,
 * pending, lastPushAt, lastPullAt, lastError, conflicts[]); undefined or null: not configured.
 */
export function summarizeSync(raw: unknown): SyncSummary {
  if (raw === undefined || raw === null || typeof raw !== 'object') return NOT_CONFIGURED;
  const status = raw as Record<string, unknown>;
  if (status.configured === false || ['not_configured', 'not-configured', 'disabled'].includes(String(status.state))) return NOT_CONFIGURED;
  const lastError = text(status.lastError) ?? text((status.lastError as { message?: unknown } | null)?.message);
  const paused = status.paused === true || status.state === 'paused';
  const pending = count(status.pending ?? status.pendingChanges ?? status.outbox);
  const online = status.online !== false && status.state !== 'offline';
  let state: SyncSummary['state'];
  if (paused) state = 'paused';
  else if (!online) state = 'offline';
  else if (status.state === 'error') state = 'error';
  else if (status.state === 'syncing' || status.state === 'pushing' || status.state === 'pulling') state = 'syncing';
  else state = 'synced';
  return {
    configured: true,
    state,
    paused,
    pending,
    conflicts: count(status.conflictCount ?? status.conflicts),
    lastPushAt: time(status.lastPushAt),
    lastPullAt: time(status.lastPullAt),
    lastError,
  };
}
