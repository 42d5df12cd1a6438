// Issue 21.1 and 21.15: `dementia status` reports the running gateway's sync (not the calling
// shell's settings), and the true number of conflicts with the most recent listed.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../src/gateway/clock.ts';
import { createServices } from '../../src/gateway/services.ts';
import { DATABASE_FILE, openDatabase } from '../../src/gateway/store/database.ts';
import { ConflictLog } from '../../src/gateway/store/conflict-log.ts';
import { tenantSchema } from '../../src/gateway/pg/remote-schema.ts';
import { readOrCreateLocalSecret } from '../../src/gateway/local-secret.ts';
import { adminAuth } from '../helpers/admin-auth.ts';
import { tempDir } from '../helpers/gateway-harness.ts';
import { disposeSharedPostgres, sharedPostgres, type SharedPostgres } from '../helpers/postgres.ts';
import { cli, freePort, gatewayEnv, startServe } from '../clients/processes.ts';

let pg: SharedPostgres;
before(async () => {
  pg = await sharedPostgres();
});
after(async () => {
  await disposeSharedPostgres();
});

/** A data folder whose store already holds `count` conflicts, one a second apart. */
function folderWithConflicts(count: number): string {
  const dataDir = tempDir('dementia-conflicts-');
  const services = createServices(openDatabase(join(dataDir, DATABASE_FILE), systemClock), systemClock, 120);
  const log = new ConflictLog(services.db);
  for (let i = 0; i < count; i++) {
    log.add({
      id: `conflict-${i}`,
      project: 'webshop',
      label: `topic-${i}`,
      version: 2,
      keptContextId: null,
      movedContextId: `moved-${i}`,
      movedToVersion: 3,
      detail: `conflict number ${i}`,
      detectedAt: Date.UTC(2026, 0, 1) + i * 1_000,
      origin: 'test',
    });
  }
  services.db.close();
  return dataDir;
}

interface StatusJson {
  running: boolean;
  sync: { state: string; configured: boolean; server: string | null; schema: string | null; conflicts: { id: string }[]; conflictCount: number };
  syncDetail?: { conflicts: { id: string }[]; conflictCount: number };
}

describe('dementia status and sync', { timeout: 60_000 }, () => {
  it("reports the running gateway's sync from a shell without the sync settings", async () => {
    const database = await pg.createDatabase();
    const apiKey = `status-key-${process.pid}-${'x'.repeat(12)}`;
    const dataDir = tempDir('dementia-status-sync-');
    const env = gatewayEnv(dataDir, await freePort());
    const served = await startServe({ ...env, DEMENTIA_PG_URL: pg.url(database), DEMENTIA_API_KEY: apiKey });
    try {
      // The calling shell sets neither DEMENTIA_PG_URL nor DEMENTIA_API_KEY (empty: not inherited).
      const shell = { ...env, DEMENTIA_PG_URL: '', DEMENTIA_API_KEY: '' };
      const json = JSON.parse((await cli(['status', '--json'], shell)).stdout) as StatusJson;
      assert.equal(json.running, true);
      assert.equal(json.sync.configured, true, JSON.stringify(json.sync));
      assert.notEqual(json.sync.state, 'not_configured');
      assert.equal(json.sync.schema, tenantSchema(apiKey));
      assert.match(json.sync.server ?? '', /^postgres(ql)?:\/\/.*127\.0\.0\.1/);
      const text = (await cli(['status'], shell)).stdout;
      assert.doesNotMatch(text, /not configured/);
      assert.match(text, new RegExp(`Sync: {9}\\S+ to postgres.* \\(schema ${tenantSchema(apiKey)}\\)`));
    } finally {
      served.child.kill('SIGTERM');
      await served.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('counts every conflict in the store, listing the most recent, in text, --json and the page', async () => {
    const database = await pg.createDatabase();
    const apiKey = `conflict-key-${process.pid}-${'x'.repeat(12)}`;
    const dataDir = folderWithConflicts(60);
    const stopped = await cli(['status'], { DEMENTIA_DATA_DIR: dataDir, DEMENTIA_PG_URL: pg.url(database), DEMENTIA_API_KEY: apiKey });
    assert.match(stopped.stdout, /Sync: {9}not running .*, 60 conflicts \(the 50 most recent in --json\)/);
    const env = gatewayEnv(dataDir, await freePort());
    const served = await startServe({ ...env, DEMENTIA_PG_URL: pg.url(database), DEMENTIA_API_KEY: apiKey });
    try {
      const json = JSON.parse((await cli(['status', '--json'], env)).stdout) as StatusJson;
      assert.equal(json.sync.conflictCount, 60);
      assert.equal(json.sync.conflicts.length, 50);
      assert.equal(json.sync.conflicts[0]!.id, 'conflict-59', 'most recent first');
      assert.equal(json.syncDetail?.conflictCount, 60);
      assert.match((await cli(['status'], env)).stdout, /, 60 conflicts \(the 50 most recent in --json\)/);
      const page = (await (
        await fetch(new URL('/api/status', served.url), {
          headers: await adminAuth({ baseUrl: served.url.origin, localSecret: readOrCreateLocalSecret(dataDir) }),
        })
      ).json()) as {
        sync: { conflicts: number };
      };
      assert.equal(page.sync.conflicts, 60, 'the page counts them all');
    } finally {
      served.child.kill('SIGTERM');
      await served.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a running gateway without sync says so even when the calling shell has sync settings', async () => {
    const dataDir = tempDir('dementia-status-nosync-');
    const env = gatewayEnv(dataDir, await freePort());
    const served = await startServe({ ...env, DEMENTIA_PG_URL: '', DEMENTIA_API_KEY: '' });
    try {
      const shell = { ...env, DEMENTIA_PG_URL: pg.url('postgres'), DEMENTIA_API_KEY: `other-key-${'y'.repeat(16)}` };
      const json = JSON.parse((await cli(['status', '--json'], shell)).stdout) as StatusJson;
      assert.equal(json.sync.configured, false, JSON.stringify(json.sync));
      assert.match((await cli(['status'], shell)).stdout, /Sync: {9}not configured in the running gateway/);
    } finally {
      served.child.kill('SIGTERM');
      await served.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
