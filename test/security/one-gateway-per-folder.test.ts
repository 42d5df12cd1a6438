// Issue 15 item 5 (with issue 14 item 2's stale gateway.json): one gateway per data folder. The
// second `serve` says where the first runs and exits; gateway.json only ever describes the owner.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chownSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli, spawnServe } from '../helpers/cli-process.ts';
import { tempDir } from '../helpers/gateway-harness.ts';
import { CLI, freePort } from '../clients/processes.ts';

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz' }, (res) => (res.resume(), resolve(false)));
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
    req.end();
  });

const runtimeFile = (dataDir: string) => JSON.parse(readFileSync(join(dataDir, 'gateway.json'), 'utf8')) as { pid: number; port: number; mcpUrl: string };

describe('one gateway per data folder', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it(
    'a second `serve --port N` on the same folder names the first (URL, pid) and exits non-zero; the first keeps its gateway.json',
    { timeout: 30_000 },
    async () => {
      const dataDir = tempDir('dementia-lock-');
      dirs.push(dataDir);
      const env = { DEMENTIA_DATA_DIR: dataDir };
      const first = await spawnServe(['--port', String(await freePort())], env);
      try {
        const owner = runtimeFile(dataDir);
        assert.equal(owner.pid, first.child.pid);
        const otherPort = await freePort();
        // Bounded: before the lock, the second one served on.
        const second = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
          execFile(
            process.execPath,
            [CLI, 'serve', '--port', String(otherPort)],
            { env: { ...process.env, ...env }, timeout: 10_000 },
            (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr }),
          ),
        );
        assert.equal(second.code, 2, `exits non-zero: ${second.stdout}${second.stderr}`);
        assert.match(second.stderr, /Another Dementia Companion gateway already serves the data folder/);
        assert.ok(second.stderr.includes(first.url.href), `names the first one's URL: ${second.stderr}`);
        assert.ok(second.stderr.includes(`pid ${first.child.pid}`), 'and its pid');
        assert.ok(await refused(otherPort), 'the second one never listened');
        assert.deepEqual(runtimeFile(dataDir), owner, 'gateway.json still describes the first');

        const status = JSON.parse((await runCli(['status', '--json'], env)).stdout) as { running: boolean; pid: number; mcpUrl: string };
        assert.deepEqual([status.running, status.pid, status.mcpUrl], [true, first.child.pid, first.url.href], 'status talks to the owner');
      } finally {
        first.child.kill('SIGTERM');
        await first.exited;
      }
      assert.equal(existsSync(join(dataDir, 'gateway.json')), false, 'the owner removes it when it stops');
      // The folder is free again once the owner stopped: a new gateway starts on it.
      const next = await spawnServe(['--port', '0'], env);
      assert.equal(runtimeFile(dataDir).pid, next.child.pid);
      next.child.kill('SIGKILL');
      await next.exited;
    },
  );

  it('a gateway.json left by a dead gateway, whose pid now belongs to a live process, does not count as running', async () => {
    const dataDir = tempDir('dementia-lock-');
    dirs.push(dataDir);
    await runCli(['clients', 'list'], { DEMENTIA_DATA_DIR: dataDir });
    // The pid of this test process: alive, but not a gateway holding the folder.
    writeFileSync(join(dataDir, 'gateway.json'), JSON.stringify({ pid: process.pid, port: 1, mcpUrl: 'http://127.0.0.1:1/mcp', startedAt: '', version: '0' }), {
      mode: 0o600,
    });
    const status = JSON.parse((await runCli(['status', '--json'], { DEMENTIA_DATA_DIR: dataDir, DEMENTIA_PORT: '47999' })).stdout) as {
      running: boolean;
      mcpUrl: string;
    };
    assert.equal(status.running, false);
    assert.equal(status.mcpUrl, 'http://127.0.0.1:47999/mcp', 'the configured port, not the stale one');
  });

  it("a gateway.json whose pid check fails with EPERM (another user's process) does not count as alive", async () => {
    const dataDir = tempDir('dementia-lock-');
    dirs.push(dataDir);
    const asRoot = process.getuid?.() === 0;
    // Root may signal anyone: then the CLI runs as `nobody` and the foreign process is this one.
    const foreignPid = asRoot ? process.pid : 1;
    writeFileSync(join(dataDir, 'gateway.json'), JSON.stringify({ pid: foreignPid, port: 1, mcpUrl: 'http://127.0.0.1:1/mcp', startedAt: '', version: '0' }), {
      mode: 0o600,
    });
    if (asRoot) for (const path of [dataDir, join(dataDir, 'gateway.json')]) chownSync(path, 65534, 65534);
    const config = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [CLI, 'config', 'cursor', '--json'],
        { env: { PATH: process.env.PATH, HOME: dataDir, DEMENTIA_DATA_DIR: dataDir, DEMENTIA_PORT: '47998' }, ...(asRoot ? { uid: 65534, gid: 65534 } : {}) },
        (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(stdout)),
      ),
    );
    assert.match((JSON.parse(config) as { snippet: string }).snippet, /127\.0\.0\.1:47998\/mcp/, 'the configured port, not the stale file’s');
  });
});
