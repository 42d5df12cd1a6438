import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { DesktopSettingsStore } from '../../src/main/desktop-settings-store.ts';
import { findElectronBinary } from '../../src/main/electron-binary.ts';
import { trayIconPath } from '../../src/main/tray-icons.ts';
import { isAllowedNavigation, isExternalLink } from '../../src/main/window-policy.ts';
import { spawnListening, type ServeProcess } from '../helpers/cli-process.ts';
import { tempDir } from '../helpers/gateway-harness.ts';
import { FakeSecretBox } from './helpers/fake-electron.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Width, height and RGBA pixels of a PNG written by scripts/make-icons.ts (8-bit RGBA, filter 0). */
function readPng(path: string): { width: number; height: number; alpha: number[] } {
  const bytes = readFileSync(path);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${path} is a PNG`);
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  const data: Buffer[] = [];
  for (let offset = 8; offset < bytes.length;) {
    const length = bytes.readUInt32BE(offset);
    if (bytes.toString('ascii', offset + 4, offset + 8) === 'IDAT') data.push(bytes.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const alpha: number[] = [];
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) alpha.push(raw[y * (width * 4 + 1) + 1 + x * 4 + 3]!);
  return { width, height, alpha };
}

describe('tray and app icons in build/', () => {
  it('are real PNGs at 16/32 px (@2x) and 512 px; the macOS template is black with alpha', () => {
    const sizes: Record<string, number> = {
      'tray/tray.png': 16,
      'tray/tray@2x.png': 32,
      'tray/trayTemplate.png': 16,
      'tray/trayTemplate@2x.png': 32,
      'icon.png': 512,
    };
    for (const [name, size] of Object.entries(sizes)) {
      const png = readPng(join(root, 'build', name));
      assert.deepEqual([png.width, png.height], [size, size], name);
      const covered = png.alpha.filter((a) => a > 0).length / png.alpha.length;
      assert.ok(covered > 0.1 && covered < 1, `${name} draws a shape (${covered})`);
    }
    const template = readFileSync(join(root, 'build', 'tray', 'trayTemplate.png'));
    assert.ok(template.length > 100);
    assert.equal(trayIconPath('darwin', '/res'), join('/res', 'tray', 'trayTemplate.png'));
    assert.equal(trayIconPath('win32', '/res'), join('/res', 'tray', 'tray.png'));
    assert.equal(trayIconPath('linux', '/res'), join('/res', 'tray', 'tray.png'));
  });
});

describe('window policy', () => {
  it('the window shows only its gateway; only https links go to the browser', () => {
    assert.equal(isAllowedNavigation('http://127.0.0.1:47821/#clients', 'http://127.0.0.1:47821'), true);
    assert.equal(isAllowedNavigation('http://127.0.0.1:47822/', 'http://127.0.0.1:47821'), false);
    assert.equal(isAllowedNavigation('https://evil.example/', 'http://127.0.0.1:47821'), false);
    assert.equal(isAllowedNavigation('file:///etc/passwd', 'http://127.0.0.1:47821'), false);
    assert.equal(isAllowedNavigation('not a url', 'http://127.0.0.1:47821'), false);
    assert.equal(isExternalLink('https://modelcontextprotocol.io/'), true);
    assert.equal(isExternalLink('http://example.com/'), false);
    assert.equal(isExternalLink('file:///tmp/x'), false);
  });
});

describe('desktop settings file', () => {
  it('keeps the port in clear and the Postgres URL and API key sealed; clears with null', () => {
    const dir = tempDir('dementia-settings-');
    try {
      const store = new DesktopSettingsStore(dir, new FakeSecretBox());
      assert.deepEqual(store.load(), { port: null, pgUrl: null, apiKey: null });
      store.save({ port: 48000, pgUrl: 'postgres://u:secret-pass@h/db', apiKey: 'dk_0123456789abcdef' });
      assert.deepEqual(store.load(), { port: 48000, pgUrl: 'postgres://u:secret-pass@h/db', apiKey: 'dk_0123456789abcdef' });
      const text = readFileSync(store.path, 'utf8');
      assert.doesNotMatch(text, /secret-pass|dk_0123456789abcdef/);
      store.save({ apiKey: null });
      assert.deepEqual(store.load(), { port: 48000, pgUrl: 'postgres://u:secret-pass@h/db', apiKey: null });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to store secrets without OS encryption; unreadable sealed values count as unset', () => {
    const dir = tempDir('dementia-settings-');
    try {
      const box = new FakeSecretBox();
      box.available = false;
      const store = new DesktopSettingsStore(dir, box);
      assert.throws(() => store.save({ apiKey: 'dk_0123456789abcdef' }), /no encrypted storage/);
      writeFileSync(store.path, JSON.stringify({ version: 1, apiKey: Buffer.from('from another machine').toString('base64') }));
      assert.equal(new DesktopSettingsStore(dir, new FakeSecretBox()).load().apiKey, null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('npm start', () => {
  it('finds no Electron binary here without downloading one; ELECTRON_BIN and an installed binary are found', () => {
    const fakeRoot = tempDir('dementia-root-');
    try {
      assert.equal(findElectronBinary({}, fakeRoot), undefined);
      mkdirSync(join(fakeRoot, 'node_modules', 'electron', 'dist'), { recursive: true });
      writeFileSync(join(fakeRoot, 'node_modules', 'electron', 'path.txt'), 'electron');
      assert.equal(findElectronBinary({}, fakeRoot), undefined, 'path.txt without the binary (download failed)');
      writeFileSync(join(fakeRoot, 'node_modules', 'electron', 'dist', 'electron'), '');
      assert.equal(findElectronBinary({}, fakeRoot), join(fakeRoot, 'node_modules', 'electron', 'dist', 'electron'));
      assert.equal(findElectronBinary({ ELECTRON_BIN: '/nonexistent/electron' }, fakeRoot), undefined);
      assert.equal(findElectronBinary({ ELECTRON_BIN: process.execPath }, fakeRoot), process.execPath);
    } finally {
      rmSync(fakeRoot, { recursive: true, force: true });
    }
  });

  it('without Electron it runs the headless gateway, prints the MCP URL and stops on SIGTERM', { timeout: 30_000 }, async () => {
    const dataDir = tempDir('dementia-start-');
    const env: NodeJS.ProcessEnv = { ...process.env, DEMENTIA_DATA_DIR: dataDir, DEMENTIA_PORT: '0', ELECTRON_BIN: join(dataDir, 'no-electron-here') };
    let started: ServeProcess | undefined;
    try {
      started = await spawnListening('npm start', [join(root, 'src', 'main', 'launch.ts')], env);
      assert.match(started.url.href, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      assert.match(started.stderr(), /No Electron binary installed/);
      const health = await fetch(new URL('/healthz', started.url));
      assert.equal(health.status, 200);
      started.child.kill('SIGTERM');
      assert.equal(await started.exited, 0);
    } finally {
      started?.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
