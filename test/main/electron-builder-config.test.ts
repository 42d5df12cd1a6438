import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildDesktop } from '../../scripts/build-desktop.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(import.meta.url);

interface BuilderConfig {
  directories: { buildResources: string };
  /** getConfig normalizes `files` to [{ filter: [...] }]. */
  files: ({ filter: string[] } | string)[];
  asarUnpack: string[];
  extraResources: { from: string; to: string }[];
  mac: { target: string; icon: string; extendInfo: Record<string, unknown> };
  win: { target: string; icon: string };
  linux: { target: string[]; icon: string };
  deb: { depends: string[] };
}

/** electron-builder's own loader and schema validation (app-builder-lib), run offline. */
async function loadAndValidate(config?: unknown): Promise<BuilderConfig> {
  const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
    getConfig(projectDir: string, configPath: string | null, configFromOptions: unknown): Promise<unknown>;
    validateConfiguration(config: unknown, logger: unknown): Promise<void>;
  };
  const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
  const loaded = config ?? (await getConfig(root, null, null));
  await validateConfiguration(loaded, new DebugLogger(false));
  return loaded as BuilderConfig;
}

describe('electron-builder.yml', () => {
  let config: BuilderConfig;
  before(async () => {
    config = await loadAndValidate();
  });

  it('passes electron-builder configuration validation, and the validation really checks', async () => {
    await assert.rejects(loadAndValidate({ ...config, linux: { ...config.linux, bogus: true } }), /configuration object that does not match the API schema/);
  });

  it('targets AppImage and deb, dmg, nsis; unpacks the native module; ships tray icons; needs AppIndicator on Debian', () => {
    assert.deepEqual(config.linux.target, ['AppImage', 'deb']);
    assert.equal(config.mac.target, 'dmg');
    assert.equal(config.win.target, 'nsis');
    assert.ok(config.asarUnpack.includes('node_modules/better-sqlite3/**'));
    assert.deepEqual(
      config.extraResources.map(({ from, to }) => ({ from, to })),
      [{ from: 'build/tray', to: 'tray' }],
    );
    assert.ok(config.deb.depends.includes('libayatana-appindicator3-1'));
    assert.equal(config.mac.extendInfo.LSUIElement, true, 'no dock icon on macOS');
  });

  it('every path it names exists after the build', { timeout: 120_000 }, () => {
    buildDesktop();
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string };
    const paths = [
      config.directories.buildResources,
      config.mac.icon,
      config.win.icon,
      config.linux.icon,
      ...config.extraResources.map((resource) => resource.from),
      ...config.files
        .flatMap((entry) => (typeof entry === 'string' ? [entry] : entry.filter))
        .filter((pattern) => !pattern.startsWith('!'))
        .map((pattern) => pattern.replace(/\/\*\*.*$/, '')),
      ...config.asarUnpack.map((pattern) => pattern.replace(/\/\*\*.*$/, '')),
      pkg.main,
      'dist/package.json',
      'dist/src/main/preload.cjs',
      'dist/src/renderer/index.html',
      'dist/src/renderer/app.js',
      'dist/src/renderer/styles.css',
      'dist/src/renderer/icon.svg',
      'build/tray/tray.png',
      'build/tray/tray@2x.png',
      'build/tray/trayTemplate.png',
      'build/tray/trayTemplate@2x.png',
    ];
    const missing = paths.filter((path) => !existsSync(join(root, path)));
    assert.deepEqual(missing, []);
    assert.equal(pkg.main, 'dist/src/main/electron-entry.js');
  });
});
