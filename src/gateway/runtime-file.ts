import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Written by the gateway that holds the data folder's lock (folder-lock.ts), so the CLI and the tray find it. */
export const RUNTIME_FILE = 'gateway.json';

export interface RuntimeInfo {
  pid: number;
  port: number;
  mcpUrl: string;
  startedAt: string;
  version: string;
}

export function writeRuntimeInfo(dataDir: string, info: RuntimeInfo): void {
  writeFileSync(join(dataDir, RUNTIME_FILE), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
}

export function readRuntimeInfo(dataDir: string): RuntimeInfo | undefined {
  try {
    return JSON.parse(readFileSync(join(dataDir, RUNTIME_FILE), 'utf8')) as RuntimeInfo;
  } catch {
    return undefined;
  }
}

/** Removes the file only if it still describes this process (a newer gateway may have replaced it). */
export function removeRuntimeInfo(dataDir: string, pid: number): void {
  if (readRuntimeInfo(dataDir)?.pid === pid) rmSync(join(dataDir, RUNTIME_FILE), { force: true });
}

/**
 * True if `pid` is a live process of this user. EPERM means the pid now belongs to another user's
 * process, which is never our gateway: the file is stale. (The folder lock is the real proof of a
 * running gateway; this is the cheap check for the stdio bridge, which proves the gateway anyway.)
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
