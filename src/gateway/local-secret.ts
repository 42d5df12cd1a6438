import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { digestsEqual, newToken, sha256Hex } from './secrets.ts';

/**
 * A secret in the data folder (mode 0600) that proves a process runs as the local user: the CLI,
 * the stdio bridge and the desktop shell use it for the admin API and to act for a named client.
 */
export const LOCAL_SECRET_FILE = 'local-secret';

export function readOrCreateLocalSecret(dataDir: string): string {
  const path = join(dataDir, LOCAL_SECRET_FILE);
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (existing.length >= 32) return existing;
  } catch {
    // Missing: created below.
  }
  const secret = newToken('dcl');
  // 'wx' fails if another process created it meanwhile; then its secret is the one to use.
  try {
    writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch {
    return readFileSync(path, 'utf8').trim();
  }
  chmodSync(path, 0o600);
  return secret;
}

export function matchesSecret(candidate: string | undefined, secret: string): boolean {
  return candidate !== undefined && digestsEqual(sha256Hex(candidate), sha256Hex(secret));
}
