// First start on a desktop: where a display is available and Electron's binary is missing, `npm
// start` runs Electron's own installer (a real child process) and then starts the tray; where the
// download fails it says why and how to fix it, and runs headless. Nothing is downloaded: the
// installer is pointed at an unreachable address, or at a local mirror serving a stand-in release.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findElectronBinary } from '../../src/main/electron-binary.ts';
import { electronVersion, hasDisplay, installElectron, planLaunch } from '../../src/main/electron-install.ts';
import { spawnListening } from '../helpers/cli-process.ts';
import { tempDir } from '../helpers/gateway-harness.ts';
import { storedZip } from './helpers/zip.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VERSION = electronVersion(ROOT);
const cleanup: string[] = [];
after(() => cleanup.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A checkout whose node_modules/electron is the real package without its binary (its dependencies come from NODE_PATH). */
function checkoutWithoutBinary(): { root: string; env: NodeJS.ProcessEnv } {
  const root = tempDir('dementia-electron-root-');
  cleanup.push(root);
  const electron = join(root, 'node_modules', 'electron');
  mkdirSync(electron, { recursive: true });
  for (const file of ['install.js', 'package.json', 'checksums.json']) copyFileSync(join(ROOT, 'node_modules', 'electron', file), join(electron, file));
  // Electron's download cache: a fresh one, so nothing cached on this machine is used or touched.
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_PATH: join(ROOT, 'node_modules'), electron_config_cache: join(root, 'electron-cache') };
  delete env.ELECTRON_BIN;
  delete env.ELECTRON_MIRROR;
  return { root, env };
}

/** Serves a stand-in Electron release: a zip holding a tiny `electron` script, and its SHASUMS256.txt. */
async function localMirror(): Promise<{ server: Server; url: string; firstHalfSent: Promise<void>; sendRest: () => void }> {
  const binaryPath = { darwin: 'Electron.app/Contents/MacOS/Electron', win32: 'electron.exe' }[process.platform as string] ?? 'electron';
  const zip = storedZip({ [binaryPath]: { data: '#!/bin/sh\necho stand-in electron\n', mode: 0o755 }, version: { data: VERSION } });
  const name = `electron-v${VERSION}-${process.platform}-${process.arch}.zip`;
  const sums = `${createHash('sha256').update(zip).digest('hex')} *${name}\n`;
  let sendRest!: () => void;
  const rest = new Promise<void>((resolve) => (sendRest = resolve));
  let firstHalf!: () => void;
  const firstHalfSent = new Promise<void>((resolve) => (firstHalf = resolve));
  const server = createServer((req, res) => {
    if (req.url === `/v${VERSION}/SHASUMS256.txt`) return void res.end(sums);
    if (req.url !== `/v${VERSION}/${name}`) return void res.writeHead(404).end();
    // Half now, the rest once the test has seen progress: a download that visibly takes a while.
    res.writeHead(200, { 'content-length': String(zip.length) });
    res.write(zip.subarray(0, zip.length >> 1), () => firstHalf());
    void rest.then(() => res.end(zip.subarray(zip.length >> 1)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, firstHalfSent, sendRest };
}

describe('npm start on a first start', () => {
  it('a display is X11 or Wayland on Linux, always there on macOS and Windows', () => {
    assert.equal(hasDisplay({}, 'linux'), false);
    assert.equal(hasDisplay({ DISPLAY: ':0' }, 'linux'), true);
    assert.equal(hasDisplay({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux'), true);
    assert.equal(hasDisplay({}, 'darwin'), true);
    assert.equal(hasDisplay({}, 'win32'), true);
  });

  it('plans the tray where a binary is there, the installer where a display is, headless elsewhere', () => {
    const { root } = checkoutWithoutBinary();
    assert.deepEqual(planLaunch({ env: { DISPLAY: ':0' }, platform: 'linux', root, headless: false }), { kind: 'install-electron' });
    assert.deepEqual(planLaunch({ env: {}, platform: 'darwin', root, headless: false }), { kind: 'install-electron' });
    assert.deepEqual(planLaunch({ env: {}, platform: 'linux', root, headless: false }), {
      kind: 'headless',
      reason: 'No Electron binary installed and no display: running the gateway headless.',
    });
    assert.deepEqual(planLaunch({ env: { DISPLAY: ':0' }, platform: 'linux', root, headless: true }), { kind: 'headless' });
    const missing = join(root, 'nope');
    assert.equal(
      planLaunch({ env: { DISPLAY: ':0', ELECTRON_BIN: missing }, platform: 'linux', root, headless: false }).kind,
      'headless',
      'ELECTRON_BIN is honoured, never downloaded over',
    );
    assert.deepEqual(planLaunch({ env: { ELECTRON_BIN: process.execPath }, platform: 'linux', root, headless: false }), {
      kind: 'electron',
      binary: process.execPath,
    });
  });

  it('offline: the real installer fails, and the answer says why and how to fix it', { timeout: 30_000 }, async () => {
    const { root, env } = checkoutWithoutBinary();
    const result = await installElectron({ root, env: { ...env, ELECTRON_MIRROR: 'http://127.0.0.1:9/' } });
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.equal(result.reason, 'could not reach 127.0.0.1:9 (fetch failed)');
    assert.match(result.fix, /npm exec install-electron.*ELECTRON_MIRROR.*npm start/);
    assert.equal(findElectronBinary(env, root), undefined, 'nothing half-installed');
  });

  it('online: the real installer fetches the release with progress, and the plan becomes the tray', { timeout: 30_000 }, async () => {
    const { root, env } = checkoutWithoutBinary();
    const mirror = await localMirror();
    try {
      const progress: number[] = [];
      let sawProgress!: () => void;
      const seen = new Promise<void>((resolve) => (sawProgress = resolve));
      const installing = installElectron({
        root,
        env: { ...env, ELECTRON_MIRROR: mirror.url, electron_use_remote_checksums: '1' },
        intervalMs: 10,
        onProgress: (bytes) => {
          progress.push(bytes);
          if (bytes > 0) sawProgress();
        },
      });
      await mirror.firstHalfSent;
      await seen; // the half that arrived is reported while the download is still running
      mirror.sendRest();
      const result = await installing;
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.binary, findElectronBinary(env, root));
      assert.ok(progress.some((bytes) => bytes > 0));
      assert.deepEqual(planLaunch({ env: { DISPLAY: ':0' }, platform: process.platform, root, headless: false }), { kind: 'electron', binary: result.binary });
    } finally {
      mirror.server.close();
    }
  });

  it('npm start with a display and no way to download runs headless after saying why and how to fix it', { timeout: 30_000 }, async () => {
    const dataDir = tempDir('dementia-start-');
    cleanup.push(dataDir);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DISPLAY: ':99',
      DEMENTIA_DATA_DIR: dataDir,
      DEMENTIA_PORT: '0',
      ELECTRON_MIRROR: 'http://127.0.0.1:9/',
      electron_config_cache: join(dataDir, 'electron-cache'),
    };
    delete env.ELECTRON_BIN;
    if (findElectronBinary(env, ROOT) !== undefined) return; // this checkout has the binary: npm start would open the tray
    const started = await spawnListening('npm start', [join(ROOT, 'src', 'main', 'launch.ts')], env);
    try {
      assert.match(started.url.href, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      const lines = started.stderr().split('\n');
      assert.equal(lines[0], `Downloading Electron ${VERSION} for the tray (first start only): 0.0 MB`);
      assert.equal(lines[1], `Could not install Electron ${VERSION}: could not reach 127.0.0.1:9 (fetch failed). Running the gateway headless (no tray).`);
      assert.match(lines[2]!, /^To get the tray: run `npm exec install-electron` when online/);
      assert.equal((await fetch(new URL('/healthz', started.url))).status, 200, 'the headless gateway serves');
      started.child.kill('SIGTERM');
      assert.equal(await started.exited, 0);
    } finally {
      started.child.kill('SIGKILL');
    }
  });
});
