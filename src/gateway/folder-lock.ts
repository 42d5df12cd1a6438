import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from './errors.ts';
import { readRuntimeInfo } from './runtime-file.ts';

/**
 * One gateway per data folder. The lock is an exclusive SQLite transaction on `gateway.lock`, held
 * open for the gateway's life: a real OS file lock (fcntl on POSIX, LockFileEx on Windows) that
 * the OS releases when the process ends, however it ends, so it can never go stale.
 */
export const LOCK_FILE = 'gateway.lock';

/** Long enough to ride out a status probe that holds the lock for a moment. */
const ACQUIRE_WAIT_MS = 500;

const isBusy = (error: unknown) => /SQLITE_BUSY|SQLITE_LOCKED/.test(String((error as { code?: string }).code));

function tryLock(dataDir: string, waitMs: number): Database.Database | undefined {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, LOCK_FILE);
  const db = new Database(path, { timeout: waitMs });
  try {
    chmodSync(path, 0o600);
    db.exec('BEGIN EXCLUSIVE');
    return db;
  } catch (error) {
    db.close();
    if (isBusy(error)) return undefined;
    throw error;
  }
}

export class FolderLock {
  private readonly db: Database.Database;

  private constructor(db: Database.Database) {
    this.db = db;
  }

  /** Claims the folder, or explains which gateway holds it. */
  static acquire(dataDir: string): FolderLock {
    const db = tryLock(dataDir, ACQUIRE_WAIT_MS);
    if (db) return new FolderLock(db);
    const owner = readRuntimeInfo(dataDir);
    const where = owner ? `: ${owner.mcpUrl} (pid ${owner.pid})` : ' (it is still starting)';
    throw new UserError(
      'GATEWAY_ALREADY_RUNNING',
      `Another Dementia Companion gateway already serves the data folder ${dataDir}${where}.`,
      'Use that one (`dementia status` shows it), stop it first, or start this one on another folder with --data-dir DIR.',
      owner ? { pid: owner.pid, mcpUrl: owner.mcpUrl } : undefined,
    );
  }

  release(): void {
    if (this.db.open) this.db.close(); // closing ends the transaction and frees the lock
  }
}

/** True while a gateway holds the folder (probes by taking the lock for an instant; creates nothing). */
export function folderIsLocked(dataDir: string): boolean {
  const path = join(dataDir, LOCK_FILE);
  if (!existsSync(path)) return false;
  const db = new Database(path, { timeout: 0, fileMustExist: true });
  try {
    db.exec('BEGIN EXCLUSIVE');
    return false;
  } catch (error) {
    if (isBusy(error)) return true;
    throw error;
  } finally {
    db.close();
  }
}
