// An operator exports a hosted tenant (`dementia export --hosted --tenant SCHEMA`): the same files
// as a desktop's export, which import into an empty data folder and export again byte for byte.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../helpers/cli-process.ts';
import { fileTree } from '../../helpers/file-tree.ts';
import { tempDir } from '../../helpers/gateway-harness.ts';
import { disposeSharedPostgres, sharedPostgres } from '../../helpers/postgres.ts';
import { postgresStack } from './tool-stacks.ts';

const ok = (result: { code: number; stdout: string; stderr: string }) => {
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as { projects: { name: string; contexts: number; versions: number; archived: number; handovers: number; notes: number }[] };
};

describe('dementia export --hosted --tenant SCHEMA', () => {
  let url: string;
  let schema: string;

  before(async () => {
    const server = await sharedPostgres();
    url = server.url(await server.createDatabase('hosted-export'));
    const stack = await postgresStack(url);
    schema = stack.schema;
    try {
      const steps: [string, Record<string, unknown>][] = [
        ['create_project', { name: 'garden', description: 'Beds and seeds.' }],
        ['select_project_for_session', { project_name: 'garden' }],
        ['lock_context', { topic: 'beds/layout', content: 'Tomatoes in bed 2.', tags: ['beds'] }],
        ['lock_context', { topic: 'beds/layout', content: 'Tomatoes in bed 3.\n' }],
        ['lock_context', { topic: 'Seeds: Ü/..', content: 'Order by March.', priority: 'important' }],
        ['lock_context', { topic: 'old', content: 'gone' }],
        ['unlock_context', { topic: 'old' }],
        ['add_note', { kind: 'todo', text: 'Buy compost.' }],
        ['end_session', { summary: 'Planned the beds.', next_steps: ['order seeds'] }],
      ];
      for (const [tool, args] of steps) {
        stack.clock.advanceMinutes(1);
        const result = await stack.call(tool, args);
        assert.ok(!result.isError, JSON.stringify(result.content));
      }
    } finally {
      await stack.close();
    }
  });
  after(() => disposeSharedPostgres());

  it('writes the tenant as export files that import into a desktop and export again identically', async () => {
    const hostedExport = join(tempDir('hosted-export-'), 'tenant');
    const report = ok(await runCli(['export', '--hosted', '--tenant', schema, '--to', hostedExport, '--json'], { DEMENTIA_PG_URL: url }));
    assert.deepEqual(report.projects, [{ name: 'garden', contexts: 3, versions: 4, archived: 1, handovers: 1, notes: 1 }]);

    const desktop = tempDir('hosted-export-desktop-');
    ok(await runCli(['import', 'dementia-export', '--from', hostedExport, '--data-dir', desktop, '--json']));
    const again = join(tempDir('hosted-export-again-'), 'desktop');
    ok(await runCli(['export', '--to', again, '--data-dir', desktop, '--json']));
    assert.deepEqual(fileTree(again), fileTree(hostedExport));
  });

  it('an unknown tenant is a clear error and writes nothing', async () => {
    const to = join(tempDir('hosted-export-none-'), 'x');
    const result = await runCli(['export', '--hosted', '--tenant', 'dementia_0000000000000000', '--to', to], { DEMENTIA_PG_URL: url });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /No tenant has the schema "dementia_0000000000000000"[\s\S]*Export one of: dementia_/);
    assert.equal(fileTree(join(to, '..')).size, 0);
  });
});
