// The secret check through the stdio bridge (Claude Desktop's path): the real SDK client launches
// `dementia connect` against a real `dementia serve`; a write with a credential comes back as the
// tool error `Error SECRET_DETECTED ...`, and neither the database, the gateway's output nor the
// bridge's output holds the secret.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../src/gateway/clock.ts';
import { DATABASE_FILE, openDatabase } from '../../src/gateway/store/database.ts';
import type { ServeProcess } from '../helpers/cli-process.ts';
import { tempDir, textOf } from '../helpers/gateway-harness.ts';
import { fakeCredentials } from '../fixtures/secrets/samples.ts';
import { cli, connectThroughBridge, freePort, gatewayEnv, startServe } from './processes.ts';

const slack = fakeCredentials()['slack-token']![0]!;

describe('secret check through the stdio bridge', () => {
  const dataDir = tempDir();
  let env: Record<string, string>;
  let served: ServeProcess;

  before(async () => {
    env = gatewayEnv(dataDir, await freePort());
    served = await startServe(env);
    await cli(['clients', 'add', 'Claude Desktop', '--kind', 'claude-desktop', '--json'], env);
  });
  after(async () => {
    served.child.kill('SIGKILL');
    await served.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses the write as a tool error naming kind and place; the secret is nowhere', { timeout: 60_000 }, async () => {
    const bridge = await connectThroughBridge(['--client', 'Claude Desktop'], env, dataDir);
    try {
      await bridge.call('create_project', { name: 'chat' });
      const refused = await bridge.call('lock_context', { project: 'chat', topic: 'alerts', content: `Alerts go to #ops.\nBot token: ${slack}` });
      assert.equal(refused.isError, true);
      assert.ok(textOf(refused).startsWith('Error SECRET_DETECTED'), textOf(refused));
      assert.match(textOf(refused), /slack-token in `content` at line 2, column 12/);
      assert.ok(!textOf(refused).includes(slack));
      const saved = await bridge.call('lock_context', {
        project: 'chat',
        topic: 'alerts',
        content: 'Alerts go to #ops. The bot token is in 1Password item "ops bot".',
      });
      assert.equal(saved.isError, undefined, textOf(saved));
      assert.ok(!bridge.stderr().includes(slack));
    } finally {
      await bridge.close();
    }
    assert.ok(!served.stdout().includes(slack) && !served.stderr().includes(slack), 'the gateway never logs the secret');
    const db = openDatabase(join(dataDir, DATABASE_FILE), systemClock);
    try {
      const rows = JSON.stringify([
        db.prepare('SELECT * FROM contexts').all(),
        db.prepare('SELECT * FROM activity').all(),
        db.prepare('SELECT * FROM applied_calls').all(),
      ]);
      assert.ok(!rows.includes(slack));
      assert.deepEqual(db.prepare('SELECT version FROM contexts WHERE label = ?').pluck().all('alerts'), [1]);
    } finally {
      db.close();
    }
  });
});
