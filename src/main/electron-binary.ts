import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Electron binary to run the desktop app with, if one is installed. Not `require('electron')`:
 * in this Electron version that starts a download when the binary is missing, and `npm start`
 * must fall back to the headless gateway at once instead (machines without the binary, CI).
 */
export function findElectronBinary(env: NodeJS.ProcessEnv, root: string): string | undefined {
  if (env.ELECTRON_BIN) return existsSync(env.ELECTRON_BIN) ? env.ELECTRON_BIN : undefined;
  const packageDir = join(root, 'node_modules', 'electron');
  let relative: string | undefined;
  try {
    relative = readFileSync(join(packageDir, 'path.txt'), 'utf8').trim() || undefined;
  } catch {
    relative = undefined;
  }
  const candidate = env.ELECTRON_OVERRIDE_DIST_PATH
    ? join(env.ELECTRON_OVERRIDE_DIST_PATH, relative ?? 'electron')
    : relative === undefined
      ? undefined
      : join(packageDir, 'dist', relative);
  return candidate !== undefined && existsSync(candidate) ? candidate : undefined;
}
