import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, realpathSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Where a write really lands: through a symlink (dotfile managers) to its target. */
export function resolveTarget(path: string): string {
  return existsSync(path) ? realpathSync(path) : path;
}

/** Writes temp file + fsync + rename, so a reader never sees half a config, even after a crash. */
export function writeFileAtomic(path: string, text: string, mode: number): void {
  const target = resolveTarget(path);
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
export function backupFile(path: string, now: Date): string {
  const target = resolveTarget(path);
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const backup = `${target}.${stamp}.dementia-backup`;
  copyFileSync(target, backup);
  chmodSync(backup, 0o600);
  return backup;
}

export function fileMode(path: string): number | undefined {
  try {
    return statSync(resolveTarget(path)).mode & 0o777;
  } catch {
    return undefined;
  }
}
