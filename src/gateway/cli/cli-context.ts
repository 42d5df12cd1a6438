import { join } from 'node:path';
import { systemClock } from '../clock.ts';
import { createServices, type Services } from '../services.ts';
import type { Settings } from '../settings.ts';
import { DATABASE_FILE, openDatabase } from '../store/database.ts';

export { gatewayPort, localSecret, mcpUrlOf, runningGateway } from './gateway-locator.ts';

/** Opens the same store a running gateway uses (SQLite WAL allows both at once). */
export function openServices(settings: Settings): Services {
  return createServices(openDatabase(join(settings.dataDir, DATABASE_FILE), systemClock), systemClock, settings.idleMinutes);
}
