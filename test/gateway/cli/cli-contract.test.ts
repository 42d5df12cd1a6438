// docs/design.md section 9: the headless interface that scripts and checks outside this repository use.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli, spawnServe } from '../../helpers/cli-process.ts';
import { connectClient, tempDir } from '../../helpers/gateway-harness.ts';

describe('headless interface', () => {
  const dataDir = tempDir();
  const env = { DEMENTIA_DATA_DIR: dataDir, DEMENTIA_PORT: '0', DEMENTIA_IDLE_MINUTES: '0.5' };
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serve prints the MCP URL; clients add/list and status --json work against it; SIGTERM stops it', async () => {
    const served = await spawnServe([], env);
    assert.match(served.stdout(), /^Dementia Companion gateway listening on http:\/\/127\.0\.0\.1:\d+\/mcp\n$/);
    const portEnv = { ...env, DEMENTIA_PORT: served.url.port };

    const added = await runCli(['clients', 'add', 'Claude Code', '--kind', 'claude-code', '--project', 'app', '--json'], portEnv);
    assert.equal(added.code, 0, added.stderr);
    const client = JSON.parse(added.stdout) as { id: string; token: string; mcpUrl: string };
    assert.match(client.id, /^[0-9a-f-]{36}$/);
    assert.match(client.token, /^dct_[A-Za-z0-9_-]{43}$/);
    assert.equal(client.mcpUrl, served.url.href);

    const listed = await runCli(['clients', 'list', '--json'], portEnv);
    const clients = JSON.parse(listed.stdout) as { id: string; name: string; pinnedProject: string }[];
    assert.deepEqual(
      clients.map((c) => [c.id, c.name, c.pinnedProject]),
      [[client.id, 'Claude Code', 'app']],
    );
    assert.ok(!listed.stdout.includes(client.token), 'list never shows tokens');

    const c = await connectClient(served.url, client.token);
    await c.call('lock_context', { topic: 'hello', content: 'world' });

    const status = await runCli(['status', '--json'], portEnv);
    assert.equal(status.code, 0, status.stderr);
    const parsed = JSON.parse(status.stdout) as {
      running: boolean;
      statusUrl: string;
      mcpUrl: string;
      clients: { name: string; connections: number; sessions: { project: string }[] }[];
    };
    assert.equal(parsed.running, true);
    assert.equal(parsed.mcpUrl, served.url.href);
    assert.equal(parsed.clients[0]!.connections, 1);
    assert.equal(parsed.clients[0]!.sessions[0]!.project, 'app');
    assert.ok(!status.stdout.includes(client.token), 'the status URL is a one-time code, never a client token');

    // The status URL signs the page in once: a cookie plus a key handed to the page, and the code is then spent.
    const signIn = await fetch(parsed.statusUrl, { redirect: 'manual' });
    assert.equal(signIn.status, 200);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const pageKey = /name="dementia-admin-key" content="([^"]+)"/.exec(await signIn.text())![1]!;
    assert.equal((await fetch(new URL('/api/status', served.url), { headers: { cookie } })).status, 401, 'the cookie alone is not enough');
    const api = await fetch(new URL('/api/status', served.url), { headers: { cookie, 'x-dementia-admin': pageKey } });
    assert.equal(api.status, 200);
    assert.equal(((await api.json()) as { clients: unknown[] }).clients.length, 1);
    const reused = await fetch(parsed.statusUrl, { redirect: 'manual' });
    assert.equal(reused.status, 403);
    const page = await fetch(new URL('/', served.url));
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);

    for (const file of ['dementia.sqlite', 'local-secret', 'gateway.json']) {
      assert.equal(statSync(join(dataDir, file)).mode & 0o777, 0o600, `${file} is readable by the user only`);
    }

    await c.close();
    served.child.kill('SIGTERM');
    assert.equal(await served.exited, 0);
  });

  it('runs through `npm run --silent dementia -- ARGS`, printing nothing else', async () => {
    const output = await new Promise<string>((resolve, reject) =>
      execFile('npm', ['run', '--silent', 'dementia', '--', 'clients', 'list', '--json'], { env: { ...process.env, ...env } }, (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      ),
    );
    assert.ok(Array.isArray(JSON.parse(output)));
  });

  it('explains a taken port and names the setting', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const result = await runCli(['serve', '--port', String(port)], env);
    blocker.close();
    assert.equal(result.code, 2);
    assert.match(result.stderr, new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use.*--port N or the DEMENTIA_PORT setting`));
  });

  it('rejects bad settings and unknown commands with a clear message', async () => {
    const badPort = await runCli(['status', '--port', 'eighty'], env);
    assert.equal(badPort.code, 2);
    assert.match(badPort.stderr, /The port "eighty" is not a TCP port number\. Fix: Set --port or DEMENTIA_PORT/);
    const badIdle = await runCli(['status'], { ...env, DEMENTIA_IDLE_MINUTES: '-3' });
    assert.match(badIdle.stderr, /DEMENTIA_IDLE_MINUTES/);
    const unknown = await runCli(['frobnicate'], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown command "frobnicate"/);
    const duplicate = await runCli(['clients', 'add', 'Twice', '--json'], env);
    assert.equal(duplicate.code, 0);
    const again = await runCli(['clients', 'add', 'twice', '--json'], env);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists.*rotate-token/);
  });
});
