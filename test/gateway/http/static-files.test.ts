// Issue 21.8: opening the status page must not put a Node warning (ExperimentalWarning:
// stripTypeScriptTypes ...) in the gateway's log: its scripts are served without experimental APIs.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { tempDir } from '../../helpers/gateway-harness.ts';
import { freePort, gatewayEnv, startServe } from '../../clients/processes.ts';

describe('the status page scripts', () => {
  it('are served as JavaScript with no warning on the gateway stderr', { timeout: 60_000 }, async () => {
    const dataDir = tempDir();
    const served = await startServe(gatewayEnv(dataDir, await freePort()));
    try {
      for (const script of ['app.js', 'views/sync.js', 'format.js']) {
        const response = await fetch(new URL(`/${script}`, served.url));
        assert.equal(response.status, 200, script);
        assert.match(response.headers.get('content-type') ?? '', /^text\/javascript/);
        const body = await response.text();
        assert.doesNotMatch(body, /^import type |: ViewContext\b|\bas const\b.*:\s*string\)/m, `${script} has no TypeScript left`);
        assert.match(body, /\b(import|export)\b/);
      }
      // A second fetch is served from the cache: the same body.
      assert.equal(await (await fetch(new URL('/app.js', served.url))).text(), await (await fetch(new URL('/app.js', served.url))).text());
    } finally {
      served.child.kill('SIGTERM');
      await served.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
    assert.doesNotMatch(served.stderr(), /Warning/, served.stderr());
  });
});
