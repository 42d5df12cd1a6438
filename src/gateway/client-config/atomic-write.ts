import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, copyFileSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes temp file + fsync + rename, so a reader never sees half a config, even after a crash.
 * `target` is the real file (index.ts resolves and confirms links first); a link at `target`
 * itself would be replaced, never followed.
 */
export function writeFileAtomic(target: string, text: string, mode: number): void {
  mkdirSync(dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  chmodSync(temp, mode); // openSync's mode is filtered by the umask.
  renameSync(temp, target);
}

/** Copies the file next to itself with a time stamp; 0600 because it may hold an older token. */
export function backupFile(target: string, now: Date): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const backup = `${target}.${stamp}.dementia-backup`;
  copyFileSync(target, backup);
  chmodSync(backup, 0o600);
  return backup;
}

export function fileMode(path: string): number | undefined {
  try {
    return statSync(path).mode & 0o777;
  } catch {
    return undefined;
  }
}
