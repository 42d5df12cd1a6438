// What `npm start` does on a first start: Electron 45 downloads its binary on first use, not at
// `npm ci`, so on a desktop the binary is fetched with Electron's own installer before the tray can
// start. Plain Node; tested without downloading anything.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findElectronBinary } from './electron-binary.ts';

/** A display the tray can appear on: X11 or Wayland on Linux and the BSDs; always on macOS and Windows. */
export function hasDisplay(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): boolean {
  if (platform === 'darwin' || platform === 'win32') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

export type LaunchPlan =
  | { kind: 'electron'; binary: string }
  /** A display and no binary: install it, then start the tray (or run headless if that fails). */
  | { kind: 'install-electron' }
  | { kind: 'headless'; reason?: string };

/** Decides how `npm start` runs: the tray, the tray after installing Electron, or the headless gateway. */
export function planLaunch(options: { env: NodeJS.ProcessEnv; platform: NodeJS.Platform; root: string; headless: boolean }): LaunchPlan {
  if (options.headless) return { kind: 'headless' };
  const binary = findElectronBinary(options.env, options.root);
  if (binary !== undefined) return { kind: 'electron', binary };
  // ELECTRON_BIN names the binary to use: a missing one is a configuration to honour, not to download over.
  if (options.env.ELECTRON_BIN)
    return {
      kind: 'headless',
      reason: `No Electron binary installed (ELECTRON_BIN names no file: ${options.env.ELECTRON_BIN}): running the gateway headless.`,
    };
  if (!hasDisplay(options.env, options.platform))
    return { kind: 'headless', reason: 'No Electron binary installed and no display: running the gateway headless.' };
  return { kind: 'install-electron' };
}

export type InstallResult = { ok: true; binary: string } | { ok: false; reason: string; fix: string };

/** The Electron version the checkout depends on, as its installer will fetch it. */
export function electronVersion(root: string): string {
  try {
    return (JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Bytes written so far under `dir` (the installer's download folder). */
function bytesUnder(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    try {
      total += statSync(join(entry.parentPath, entry.name)).size;
    } catch {
      // moved to the cache meanwhile
    }
  }
  return total;
}

/** Why the installer failed, in a few words, from what it printed. */
function failureReason(output: string, env: NodeJS.ProcessEnv, code: number | null): string {
  const first = output
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line !== '' && !line.startsWith('at '));
  const host = (() => {
    try {
      return new URL(env.ELECTRON_MIRROR ?? env.npm_config_electron_mirror ?? 'https://github.com/').host;
    } catch {
      return env.ELECTRON_MIRROR ?? 'github.com';
    }
  })();
  if (first === undefined) return `Electron's installer exited with code ${code}`;
  if (/fetch failed|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH|socket hang up/i.test(first))
    return `could not reach ${host} (${first.replace(/^\w*Error:\s*/, '')})`;
  return first.replace(/^\w*Error:\s*/, '').slice(0, 200);
}

/**
 * Runs Electron's own installer (node_modules/electron/install.js, the package's `install-electron`
 * bin) in a child process and reports the bytes downloaded as they grow. Resolves with the binary,
 * or with why it failed and how to fix it; never throws for a failed download.
 */
export async function installElectron(options: {
  root: string;
  env: NodeJS.ProcessEnv;
  onProgress?: (bytes: number) => void;
  /** How often progress is reported. */
  intervalMs?: number;
}): Promise<InstallResult> {
  const { root, env } = options;
  const installer = join(root, 'node_modules', 'electron', 'install.js');
  const fix = 'To get the tray: run `npm exec install-electron` when online (ELECTRON_MIRROR picks another download site), then `npm start` again.';
  if (!existsSync(installer)) return { ok: false, reason: `Electron's installer is missing (${installer})`, fix: 'Run `npm ci` first.' };
  // The installer downloads into the temp folder; a private one lets progress be read from its size.
  const downloads = mkdtempSync(join(tmpdir(), 'dementia-electron-'));
  try {
    const child = spawn(process.execPath, [installer], {
      cwd: join(root, 'node_modules', 'electron'),
      env: { ...env, TMPDIR: downloads, TEMP: downloads, TMP: downloads, ELECTRON_GET_NO_PROGRESS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let last = -1;
    const report = () => {
      const bytes = bytesUnder(downloads);
      if (bytes !== last) options.onProgress?.(bytes);
      last = bytes;
    };
    const ticker = setInterval(report, options.intervalMs ?? 500);
    const code = await new Promise<number | null>((resolve) => {
      child.once('error', (error) => {
        output += String(error);
        resolve(null);
      });
      child.once('exit', (exitCode) => resolve(exitCode));
    });
    clearInterval(ticker);
    if (code !== 0) return { ok: false, reason: failureReason(output, env, code), fix };
    report();
    const binary = findElectronBinary(env, root);
    if (binary === undefined) return { ok: false, reason: 'the installer finished but no Electron binary is there', fix };
    return { ok: true, binary };
  } finally {
    rmSync(downloads, { recursive: true, force: true });
  }
}

/** "Downloading Electron 45.4.1 for the tray (first start only): 37.2 MB" */
export function progressLine(version: string, bytes: number): string {
  return `Downloading Electron ${version} for the tray (first start only): ${(bytes / 1e6).toFixed(1)} MB`;
}
