import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Written by a running gateway so the CLI and the tray find it (pid, port, URL). */
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

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
