// Must hold (issue 4): the real SDK client through the real stdio bridge process, against a real
// `dementia serve` process that is killed (-9) and restarted mid-conversation.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ServeProcess } from '../helpers/cli-process.ts';
import { connectClient, tempDir, textOf } from '../helpers/gateway-harness.ts';
import { cli, connectThroughBridge, freePort, gatewayEnv, killHard, startServe, structured } from './processes.ts';

/** Two calls a few milliseconds apart differ only in their time stamps. */
const timeless = (value: unknown) => JSON.parse(JSON.stringify(value).replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z/g, '<time>'));

describe('stdio bridge', () => {
  const dataDir = tempDir();
  const repoA = join(dataDir, 'repo-a');
  const repoB = join(dataDir, 'repo-b');
  mkdirSync(repoA);
  mkdirSync(repoB);
  let env: Record<string, string>;
  let served: ServeProcess;
  let token: string;

  before(async () => {
    env = gatewayEnv(dataDir, await freePort());
    served = await startServe(env);
    const added = await cli(['clients', 'add', 'Claude Desktop', '--kind', 'claude-desktop', '--json'], env);
    token = (JSON.parse(added.stdout) as { token: string }).token;
  });
  after(async () => {
    served.child.kill('SIGKILL');
    await served.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the same tools and the same results as direct HTTP', async () => {
    const http = await connectClient(served.url, token, { headers: { 'X-Dementia-Instance': repoA } });
    await http.call('create_project', { name: 'same' });
    await http.call('select_project_for_session', { project_name: 'same' });
    await http.call('lock_context', { topic: 'api-style', content: 'REST, JSON, snake_case', priority: 'important', tags: ['api'] });
    const bridge = await connectThroughBridge(['--client', 'Claude Desktop'], env, repoA);
    try {
      assert.deepEqual((await bridge.client.listTools()).tools, (await http.client.listTools()).tools);
      for (const [name, args] of [
        ['recall_context', { topic: 'api-style' }],
        ['search_contexts', { query: 'json' }],
        ['get_project_info', {}],
        ['list_projects', {}],
        ['check_contexts', { action: 'design a new endpoint' }],
      ] as const) {
        assert.deepEqual(timeless(await bridge.call(name, args)), timeless(await http.call(name, args)), name);
      }
      // Same client, same instance (the bridge's working directory): same project and work session.
      assert.equal(structured(await bridge.call('session_status')).workSession?.id, structured(await http.call('session_status')).workSession?.id);
    } finally {
      await bridge.close();
      await http.close();
    }
  });

  it('survives kill -9 and a restart of the gateway mid-conversation: same project, same work session', async () => {
    const bridge = await connectThroughBridge(['--client', 'Claude Desktop'], env, repoB);
    try {
      await bridge.call('create_project', { name: 'restart' });
      await bridge.call('select_project_for_session', { project_name: 'restart' });
      const first = structured(await bridge.call('lock_context', { topic: 'before', content: 'written before the crash' }));
      assert.equal(first.project, 'restart');

      await killHard(served);
      const pending = bridge.call('recall_context', { topic: 'before' }); // sent while the gateway is down
      served = await startServe(env);

      const recalled = await pending;
      assert.ok(!recalled.isError, textOf(recalled));
      assert.match(textOf(recalled), /written before the crash/);
      const next = structured(await bridge.call('lock_context', { topic: 'after', content: 'written after the restart' }));
      assert.equal(next.project, 'restart');
      assert.equal(next.workSession?.id, first.workSession?.id);
      assert.equal(next.workSession?.started, false);
      assert.match(bridge.stderr(), /gateway unreachable/);
    } finally {
      await bridge.close();
    }
  });

  it('waits for a gateway that is not up yet, and gives up with a readable tool result (no restart needed after)', async () => {
    const quick = { ...env, DEMENTIA_BRIDGE_RETRY_SECONDS: '1' };
    const bridge = await connectThroughBridge(['--client', 'Claude Desktop'], quick, repoB);
    try {
      await killHard(served);
      const started = Date.now();
      const failed = await bridge.call('session_status');
      assert.ok(Date.now() - started >= 900, 'it waited before giving up');
      assert.equal(failed.isError, true);
      assert.match(textOf(failed), /not reachable at http:\/\/127\.0\.0\.1:\d+\/mcp .*Start the Dementia Companion app .*does not need a restart/s);
      served = await startServe(env);
      assert.equal(structured(await bridge.call('session_status')).project, 'restart', 'the same bridge works again');
    } finally {
      await bridge.close();
    }

    // A bridge launched before the gateway: initialize waits for it.
    await killHard(served);
    const launching = connectThroughBridge(['--client', 'Claude Desktop'], env, repoB);
    await new Promise((resolve) => setTimeout(resolve, 400));
    served = await startServe(env);
    const late = await launching;
    assert.equal(structured(await late.call('session_status')).project, 'restart');
    await late.close();
  });

  it('Desktop launched twice is one client; another working directory is another instance with its own project', async () => {
    const chat = await connectThroughBridge(['--client', 'Claude Desktop'], env, repoB);
    const code = await connectThroughBridge(['--token', token], env, repoB);
    const elsewhere = await connectThroughBridge(['--client', 'claude desktop'], env, repoA);
    try {
      const a = structured(await chat.call('lock_context', { topic: 'x', content: 'from chat' }));
      const b = structured(await code.call('lock_context', { topic: 'y', content: 'from code' }));
      assert.equal(a.project, 'restart');
      assert.equal(b.workSession?.id, a.workSession?.id, 'one client, one instance, one work session');
      const other = structured(await elsewhere.call('session_status'));
      assert.equal(other.project, 'same', 'repo-a kept its own project');
      assert.notEqual(other.workSession?.id, a.workSession?.id);
    } finally {
      await Promise.all([chat.close(), code.close(), elsewhere.close()]);
    }
  });

  it('names of any script work; an unknown client gets a clear tool error, not a dead server', async () => {
    await cli(['clients', 'add', 'Claude Désktop ✓ 東京', '--project', 'tokyo', '--create-project', '--json'], env);
    const unicode = await connectThroughBridge(['--client', 'Claude Désktop ✓ 東京', '--project', 'tokyo'], env, repoA);
    try {
      assert.equal(structured(await unicode.call('session_status')).project, 'tokyo');
    } finally {
      await unicode.close();
    }

    const typo = await connectThroughBridge(['--client', 'Claude Desktp'], env, repoA).catch((error: unknown) => error as Error);
    assert.ok(typo instanceof Error, 'initialize is refused');
    assert.match(
      typo.message,
      /The gateway refused the bridge: No client named "Claude Desktp"\. Fix: Did you mean "Claude Desktop"\? Registered clients: .*"Claude Desktop"/s,
    );
    assert.doesNotMatch(typo.message, /Start the Dementia Companion app/);
  });
});
