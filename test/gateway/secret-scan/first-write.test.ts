// Issue 22.10: the secret scanner loads on the first write that needs it, not at start. The very
// first writes a freshly started `dementia serve` gets (two at once, one of them with a credential)
// are still checked: the credential is refused with SECRET_DETECTED and stored nowhere, the
// ordinary write is saved. Real SDK client over real HTTP against a real serve process and its SQLite file.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../../src/gateway/clock.ts';
import { DATABASE_FILE, openDatabase } from '../../../src/gateway/store/database.ts';
import type { ServeProcess } from '../../helpers/cli-process.ts';
import { connectClient, tempDir, textOf, type ConnectedClient } from '../../helpers/gateway-harness.ts';
import { fakeCredentials } from '../../fixtures/secrets/samples.ts';
import { cli, freePort, gatewayEnv, startServe } from '../../clients/processes.ts';

const github = fakeCredentials()['github-token']![0]!;

describe('the first writes after a fresh start', () => {
  const dataDir = tempDir();
  let served: ServeProcess;
  let client: ConnectedClient;

  before(async () => {
    const env = gatewayEnv(dataDir, await freePort());
    // The client is registered before the gateway starts: the gateway's first write is the test's.
    const added = await cli(['clients', 'add', 'writer', '--json'], env);
    assert.equal(added.code, 0, added.stderr);
    const { token, mcpUrl } = JSON.parse(added.stdout) as { token: string; mcpUrl: string };
    served = await startServe(env);
    client = await connectClient(new URL(mcpUrl), token);
  });
  after(async () => {
    await client.close();
    served.child.kill('SIGTERM');
    await served.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuse the one with a credential and save the ordinary one', { timeout: 60_000 }, async () => {
    const [refused, saved] = await Promise.all([
      client.call('create_project', { name: 'ci', description: `Builds. Token ${github}` }),
      client.call('create_project', { name: 'docs', description: 'The handbook; its deploy key is in 1Password item "docs".' }),
    ]);
    assert.equal(refused.isError, true, textOf(refused));
    assert.ok(textOf(refused).startsWith('Error SECRET_DETECTED'), textOf(refused));
    assert.match(textOf(refused), /github-token in `description`/);
    assert.equal(saved.isError, undefined, textOf(saved));
    assert.doesNotMatch(served.stderr(), /not loaded yet/);
    const db = openDatabase(join(dataDir, DATABASE_FILE), systemClock);
    try {
      assert.deepEqual(db.prepare('SELECT name FROM projects ORDER BY name').pluck().all(), ['docs']);
      assert.ok(!JSON.stringify(db.prepare('SELECT * FROM sync_outbox').all()).includes(github));
    } finally {
      db.close();
    }
  });
});
