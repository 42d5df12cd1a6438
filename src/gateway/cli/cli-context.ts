import { join } from 'node:path';
import { systemClock } from '../clock.ts';
import { readOrCreateLocalSecret } from '../local-secret.ts';
import { isProcessAlive, readRuntimeInfo, type RuntimeInfo } from '../runtime-file.ts';
import { createServices, type Services } from '../services.ts';
import type { Settings } from '../settings.ts';
import { DATABASE_FILE, openDatabase } from '../store/database.ts';

/** Opens the same store a running gateway uses (SQLite WAL allows both at once). */
export function openServices(settings: Settings): Services {
  return createServices(openDatabase(join(settings.dataDir, DATABASE_FILE), systemClock), systemClock, settings.idleMinutes);
}

/** The running gateway of this data folder, if its process is alive. */
export function runningGateway(settings: Settings): RuntimeInfo | undefined {
  const info = readRuntimeInfo(settings.dataDir);
  return info && isProcessAlive(info.pid) ? info : undefined;
}

/** The port clients should use: the running gateway's, else the configured one. */
export function gatewayPort(settings: Settings): number {
  return runningGateway(settings)?.port ?? settings.port;
}

export function localSecret(settings: Settings): string {
  return readOrCreateLocalSecret(settings.dataDir);
}
