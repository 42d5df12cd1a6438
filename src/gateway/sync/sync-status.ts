import type { Db } from '../store/database.ts';
import type { Outbox } from './outbox.ts';
import { ConflictLog } from './conflict-log.ts';
import { SyncMeta } from './sync-meta.ts';
import { isoOrNull } from '../tools/format.ts';

export type SyncStateName = 'not_configured' | 'online' | 'offline' | 'error' | 'paused';

export interface SyncConflictView {
  id: string;
  project: string;
  label: string;
  detail: string;
  at: string;
}

/** What the tray, the status window and `dementia status` show about sync. Never holds a secret. */
export interface SyncStatus {
  state: SyncStateName;
  /** Local changes not yet in Postgres. */
  pending: number;
  lastPushAt: string | null;
  lastPullAt: string | null;
  lastError: string | null;
  /** Most recent first. */
  conflicts: SyncConflictView[];
  /** Where the running worker syncs to (masked URL and tenant schema); absent in a status read from the store alone. */
  server?: string;
  schema?: string;
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
    conflicts: new ConflictLog(db).recent(50),
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
