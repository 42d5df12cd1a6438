// Issue 21.8: opening the status page must not put a Node warning (ExperimentalWarning:
// stripTypeScriptTypes ...) in the gateway's log: its scripts are served without experimental APIs.
// Issue 22.10: the type stripper loads on the first script asked for (nothing is cached on disk, so
// a fresh `serve` always takes that path), and an edited source is served anew.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { StaticFiles } from '../../../src/gateway/http/static-files.ts';
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
      // Types are replaced by white space: every line stays where it is in the source.
      const source = readFileSync(new URL('../../../src/renderer/format.ts', import.meta.url), 'utf8');
      const stripped = await (await fetch(new URL('/format.js', served.url))).text();
      assert.equal(stripped.split('\n').length, source.split('\n').length);
      // A second fetch is served from the cache: the same body.
      assert.equal(await (await fetch(new URL('/app.js', served.url))).text(), await (await fetch(new URL('/app.js', served.url))).text());
    } finally {
      served.child.kill('SIGTERM');
      await served.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
    assert.doesNotMatch(served.stderr(), /Warning/, served.stderr());
  });

  it('serve an edited source anew (kept in memory by modification time)', async () => {
    const dir = tempDir();
    const files = new StaticFiles(dir, ['main.js']);
    const server = createServer((req, res) => {
      if (!files.serve(new URL(req.url ?? '/', 'http://127.0.0.1').pathname, res)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/main.js`;
    try {
      const path = join(dir, 'main.ts');
      writeFileSync(path, 'export const greeting: string = "hello";\n');
      utimesSync(path, 1_000, 1_000);
      assert.equal(await (await fetch(url)).text(), 'export const greeting         = "hello";\n');
      writeFileSync(path, 'export const count: number = 2;\n');
      utimesSync(path, 2_000, 2_000);
      assert.equal(await (await fetch(url)).text(), 'export const count         = 2;\n');
      assert.equal((await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/other.js`)).status, 404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
