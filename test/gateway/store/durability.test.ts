// Invariant 6: a write acknowledged to a client survives kill -9 of the gateway.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { runCli, spawnServe } from '../../helpers/cli-process.ts';
import { connectClient, tempDir, textOf } from '../../helpers/gateway-harness.ts';

describe('durability', () => {
  const dataDir = tempDir();
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps an acknowledged write after kill -9 and serves it after restart', async () => {
    const env = { DEMENTIA_DATA_DIR: dataDir, DEMENTIA_PORT: '0' };
    const added = await runCli(['clients', 'add', 'Durable', '--project', 'safe', '--json'], env);
    assert.equal(added.code, 0, added.stderr);
    const { token } = JSON.parse(added.stdout) as { token: string };

    const first = await spawnServe([], env);
    const c = await connectClient(first.url, token);
    const written = await c.call('lock_context', { topic: 'survivor', content: 'written right before the crash' });
    assert.equal(written.structuredContent?.project, 'safe');
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, 'SIGKILL');

    const second = await spawnServe([], env);
    const again = await connectClient(second.url, token);
    const recalled = await again.call('recall_context', { topic: 'survivor' });
    assert.match(textOf(recalled), /written right before the crash/);
    await again.close();
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, 'SIGTERM stops cleanly');
  });
});
