import { readOrCreateLocalSecret } from '../local-secret.ts';
import { isProcessAlive, readRuntimeInfo, type RuntimeInfo } from '../runtime-file.ts';
import type { Settings } from '../settings.ts';

// Light on purpose (no store, no SQLite): the stdio bridge imports it and must start fast.

/** The running gateway of this data folder, if its process is alive. */
export function runningGateway(settings: Settings): RuntimeInfo | undefined {
  const info = readRuntimeInfo(settings.dataDir);
  return info && isProcessAlive(info.pid) ? info : undefined;
}

/** The port clients should use: the running gateway's, else the configured one. */
export function gatewayPort(settings: Settings): number {
  return runningGateway(settings)?.port ?? settings.port;
}

export const mcpUrlOf = (port: number): string => `http://127.0.0.1:${port}/mcp`;

/** The data folder's local secret (replaced, with `log` saying why, if it was unusable). */
export function localSecret(settings: Settings, log?: (line: string) => void): string {
  return readOrCreateLocalSecret(settings.dataDir, log);
}
