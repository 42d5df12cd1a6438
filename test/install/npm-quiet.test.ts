// Issue 21.13: on the common Node 20, `npm ci` printed 65 EBADENGINE warning lines (13 packages that
// need Node 22, which the project installs for itself). The repository's .npmrc keeps npm at errors
// only; this checks the setting npm really reads in this folder (a fresh HOME: no user config).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('npm in this repository', () => {
  it('prints errors only: no EBADENGINE warnings, funding or update notices', () => {
    const home = mkdtempSync(join(tmpdir(), 'npm-home-'));
    try {
      const config = (key: string) =>
        execFileSync('npm', ['config', 'get', key], {
          cwd: ROOT,
          env: { PATH: process.env.PATH, HOME: home, npm_config_cache: join(home, 'cache') },
          encoding: 'utf8',
        }).trim();
      assert.equal(config('loglevel'), 'error');
      assert.equal(config('fund'), 'false');
      assert.equal(config('update-notifier'), 'false');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
