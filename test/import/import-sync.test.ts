import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli-process.ts';
import { textOf } from '../helpers/gateway-harness.ts';
import { disposeSharedPostgres, sharedPostgres, type SharedPostgres } from '../helpers/postgres.ts';
import { startMachine, type Machine } from '../sync/sync-harness.ts';
import { createOldServerSchemas, HOUR, T0, voiceText } from './helpers/old-servers.ts';

const API_KEY = 'import-sync-test-key-0123456789';

/** An import goes through the sync outbox: the other machines of the tenant get it by themselves. */
describe('imported memory syncs to the tenant', () => {
  let pg: SharedPostgres;
  let a: Machine;
  let b: Machine;
  let source: string;

  before(async () => {
    pg = await sharedPostgres();
    const tenant = await pg.createDatabase('tenant');
    source = await pg.createDatabase('old_server');
    await createOldServerSchemas(pg, source);
    a = await startMachine({ pgUrl: pg.url(tenant), apiKey: API_KEY, clientName: 'Claude Code' });
    b = await startMachine({ pgUrl: pg.url(tenant), apiKey: API_KEY, clientName: 'Cursor' });
  });
  after(async () => {
    await a?.stop({ remove: true });
    await b?.stop({ remove: true });
    await disposeSharedPostgres();
  });

  it('imported on machine A by the CLI while A runs, pushed by A, pulled by B: contexts, archives and handovers', async () => {
    const result = await runCli(['import', 'claude-dementia', '--from', pg.url(source), '--data-dir', a.dataDir]);
    assert.equal(result.code, 0, result.stderr);
    await a.sync.syncNow();
    await b.sync.syncNow();
    assert.equal(a.sync.status().pending, 0, 'A pushed everything');
    const voice = await b.call('recall_context', { project: 'linkedin', topic: 'voice' });
    assert.equal((voice.structuredContent as { context: { version: number; content: string } }).context.version, 11);
    assert.match(textOf(voice), new RegExp(voiceText('1.10').slice(0, 30)));
    const restored = await b.call('restore_context', { project: 'linkedin', topic: 'old-schedule' });
    assert.ok(!restored.isError, textOf(restored));
    const handover = await b.call('get_last_handover', { project: 'linkedin' });
    assert.equal((handover.structuredContent as { handover: { endedAt: string } }).handover.endedAt, new Date((T0 + 6 * HOUR) * 1000).toISOString());
    const projects = (await b.call('list_projects')).structuredContent as { projects: { name: string }[] };
    assert.deepEqual(
      projects.projects.map((p) => p.name),
      ['client-portal', 'home-lab', 'innkeeper', 'linkedin'],
    );
  });
});
