import type { Db } from './database.ts';
import type { Outbox } from './outbox.ts';
import { ConflictLog, type SyncConflictView } from './conflict-log.ts';
import { SyncMeta } from './sync-meta.ts';
import { isoOrNull } from '../text/format.ts';

export type SyncStateName = 'not_configured' | 'online' | 'offline' | 'error' | 'paused';

/** What the tray, the status window and `dementia status` show about sync. Never holds a secret. */
export interface SyncStatus {
  state: SyncStateName;
  /** Local changes not yet in Postgres. */
  pending: number;
  lastPushAt: string | null;
  lastPullAt: string | null;
  lastError: string | null;
  /** The most recent (at most RECENT_CONFLICTS), most recent first. */
  conflicts: SyncConflictView[];
  /** How many conflicts the store holds in all. */
  conflictCount: number;
  /** Where the running worker syncs to (masked URL and tenant schema); absent in a status read from the store alone. */
  server?: string;
  schema?: string;
}

/** How many conflicts a status lists (the count covers all of them). */
export const RECENT_CONFLICTS = 50;

/** The conflict fields of a status: the most recent listed, all counted. */
export function conflictsOf(log: ConflictLog): Pick<SyncStatus, 'conflicts' | 'conflictCount'> {
  return { conflicts: log.recent(RECENT_CONFLICTS), conflictCount: log.count() };
}

/** The status read from the store alone: what a process without a running sync worker can know. */
export function storedSyncStatus(db: Db, outbox: Outbox, state: SyncStateName = 'not_configured'): SyncStatus {
  const meta = new SyncMeta(db);
  return {
    state,
    pending: outbox.pending(),
    lastPushAt: isoOrNull(meta.getNumber('last_push_at')),
    lastPullAt: isoOrNull(meta.getNumber('last_pull_at')),
    lastError: null,
    ...conflictsOf(new ConflictLog(db)),
  };
}

/**
 * Where status views read sync from: the running worker once one is attached, otherwise the
 * store (not configured, or a CLI process beside the gateway).
 */
export class SyncStatusBoard {
  private readonly db: Db;
  private readonly outbox: Outbox;
  private source: (() => SyncStatus) | undefined;

  constructor(db: Db, outbox: Outbox) {
    this.db = db;
    this.outbox = outbox;
  }

  attach(source: () => SyncStatus): void {
    this.source = source;
  }

  current(): SyncStatus {
    return this.source ? this.source() : storedSyncStatus(this.db, this.outbox);
  }
}
