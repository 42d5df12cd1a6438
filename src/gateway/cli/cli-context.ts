import { join } from 'node:path';
import { systemClock } from '../clock.ts';
import { createServices, type Services } from '../services.ts';
import type { Settings } from '../settings.ts';
import { DATABASE_FILE, openDatabase } from '../store/database.ts';
import { folderIsLocked } from '../folder-lock.ts';
import { readRuntimeInfo, type RuntimeInfo } from '../runtime-file.ts';

export { gatewayPort, localSecret, mcpUrlOf, runningGateway } from './gateway-locator.ts';

/** Opens the same store a running gateway uses (SQLite WAL allows both at once). */
export function openServices(settings: Settings): Services {
  return createServices(openDatabase(join(settings.dataDir, DATABASE_FILE), systemClock), systemClock, settings.idleMinutes);
}

/** The gateway that holds the data folder's lock, as its gateway.json describes it; a stale file counts for nothing. */
export function owningGateway(settings: Settings): RuntimeInfo | undefined {
  return folderIsLocked(settings.dataDir) ? readRuntimeInfo(settings.dataDir) : undefined;
}
