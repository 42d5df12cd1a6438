// Export that round-trips: `dementia export` writes every project as readable files, `dementia
// import dementia-export` brings them back into an empty data folder, and exporting that again
// gives byte-identical files.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../helpers/cli-process.ts';
import { fileTree } from '../../helpers/file-tree.ts';
import { connectClient, startTestGateway, tempDir, textOf, type TestGateway } from '../../helpers/gateway-harness.ts';

const tree = fileTree;

const json = (result: { code: number; stdout: string; stderr: string }) => {
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as Record<string, unknown>;
};

const ODD_LABEL = 'Ops: CON/../ä ü "quoted" %20';
const SPACED_TEXT = '  leading spaces, a trailing newline and --- a fence\n---\nstill the body\n';

describe('dementia export and import dementia-export', () => {
  let gw: TestGateway;
  let first: string;

  before(async () => {
    gw = await startTestGateway();
    const c = await connectClient(gw.url, gw.addClient('Claude Code', { kind: 'claude-code' }).token);
    await c.call('create_project', { name: 'webshop', description: 'The shop and its deploys.' });
    await c.call('create_project', { name: 'empty-one' });
    await c.call('select_project_for_session', { project_name: 'webshop' });
    await c.call('lock_context', { topic: 'deploy/rules', content: 'Never deploy on Fridays.', priority: 'always_check', tags: ['ops', 'deploy'] });
    gw.clock.advanceMinutes(5);
    await c.call('lock_context', { topic: 'deploy/rules', content: 'Never deploy on Fridays or after 16:00.' });
    await c.call('lock_context', { topic: ODD_LABEL, content: SPACED_TEXT, priority: 'important' });
    await c.call('lock_context', { topic: 'old/plan', content: 'Ship by March.' });
    await c.call('unlock_context', { topic: 'old/plan' });
    await c.call('add_note', { kind: 'decision', text: 'Deploys go through the pipeline only.' });
    await c.call('end_session', { summary: 'Wrote the deploy rules.', next_steps: ['automate the freeze'] });
    await c.close();
    first = join(tempDir('export-'), 'memory');
  });
  after(() => gw.stop({ remove: true }));

  it('writes one Markdown file per version (archived too), handovers, notes and a manifest', async () => {
    const report = json(await runCli(['export', '--to', first, '--data-dir', gw.dataDir, '--json']));
    assert.deepEqual(report.projects, [
      { name: 'empty-one', contexts: 0, versions: 0, archived: 0, handovers: 0, notes: 0 },
      { name: 'webshop', contexts: 3, versions: 4, archived: 1, handovers: 1, notes: 1 },
    ]);
    const files = [...tree(first).keys()];
    assert.ok(files.includes('manifest.json'));
    assert.ok(files.includes(join('webshop', 'contexts', 'deploy%2Frules', 'v0001.md')));
    assert.ok(files.includes(join('webshop', 'contexts', 'deploy%2Frules', 'v0002.md')));
    assert.ok(files.includes(join('webshop', 'contexts', 'old%2Fplan', 'v0001.md')));
    assert.equal(files.filter((f) => f.startsWith(join('webshop', 'handovers'))).length, 1);
    assert.equal(files.filter((f) => f.startsWith(join('webshop', 'notes'))).length, 1);
    // Odd labels become one safe, reversible file name: no "/", "..", ":" or a device name.
    const odd = files.find((f) => f.includes('Ops') || f.includes('%4Fps'));
    assert.ok(odd, files.join('\n'));
    const segment = odd.split('/')[2]!;
    assert.match(segment, /^[a-z0-9_%-][a-z0-9_.%A-F-]*$/);
    assert.equal(decodeURIComponent(segment), ODD_LABEL);

    const v1 = readFileSync(join(first, 'webshop', 'contexts', 'deploy%2Frules', 'v0001.md'), 'utf8');
    assert.match(
      v1,
      /^---\nlabel: "deploy\/rules"\nversion: 1\npriority: "always_check"\ntags: \["ops","deploy"\]\ncreated: "\d{4}-[^"]+Z"\narchived: false\n/,
    );
    assert.ok(v1.endsWith('\n---\nNever deploy on Fridays.'), 'the body is the text exactly');
    assert.ok(readFileSync(join(first, odd), 'utf8').endsWith(`\n---\n${SPACED_TEXT}`));
    assert.match(readFileSync(join(first, 'webshop', 'contexts', 'old%2Fplan', 'v0001.md'), 'utf8'), /\narchived: "\d{4}-[^"]+Z"\n/);
    const manifest = JSON.parse(readFileSync(join(first, 'manifest.json'), 'utf8')) as { projects: { name: string; description: string }[] };
    assert.equal(manifest.projects.find((p) => p.name === 'webshop')!.description, 'The shop and its deploys.');
  });

  it('imports into an empty data folder, and exporting that again gives the same bytes', async () => {
    const fresh = tempDir('export-import-');
    const dry = json(await runCli(['import', 'dementia-export', '--from', first, '--data-dir', fresh, '--dry-run', '--json']));
    assert.equal(dry.dryRun, true);
    const imported = json(await runCli(['import', 'dementia-export', '--from', first, '--data-dir', fresh, '--json']));
    assert.equal(imported.dryRun, false);
    const webshop = (imported.projects as Record<string, unknown>[]).find((p) => p.name === 'webshop')!;
    assert.deepEqual(
      {
        contexts: webshop.contexts,
        versions: webshop.versions,
        archived: webshop.archived,
        handovers: webshop.handovers,
        notes: webshop.notes,
        skipped: webshop.skipped,
      },
      { contexts: 3, versions: 3, archived: 1, handovers: 1, notes: 1, skipped: [] },
    );
    assert.deepEqual(
      dry.projects,
      (imported.projects as Record<string, unknown>[]).map((p) => ({ ...p })),
      'the dry run said what the import did',
    );

    const second = join(tempDir('export-again-'), 'memory');
    json(await runCli(['export', '--to', second, '--data-dir', fresh, '--json']));
    assert.deepEqual(tree(second), tree(first));

    const again = json(await runCli(['import', 'dementia-export', '--from', first, '--data-dir', fresh, '--json']));
    const totals = again.totals as Record<string, number>;
    assert.deepEqual([totals.versions, totals.archived, totals.handovers, totals.notes], [0, 0, 0, 0], 'importing twice writes nothing new');
    assert.equal(totals.unchanged, 6);

    // The imported memory answers like the original over MCP, and the export folder can be re-exported in place.
    const copy = await startTestGateway({ dataDir: fresh });
    try {
      const c = await connectClient(copy.url, copy.addClient('reader').token);
      const recalled = await c.call('recall_context', { project: 'webshop', topic: ODD_LABEL });
      assert.equal((recalled.structuredContent?.context as { content: string }).content, SPACED_TEXT);
      assert.match(textOf(await c.call('get_last_handover', { project: 'webshop' })), /automate the freeze/);
      await c.close();
    } finally {
      await copy.stop({ remove: true });
    }
    json(await runCli(['export', '--to', second, '--data-dir', gw.dataDir, '--json']));
    assert.deepEqual(tree(second), tree(first), 'an earlier export is replaced whole');
  });

  it('never writes into a folder that holds other files, and names the fix', async () => {
    const foreign = tempDir('export-foreign-');
    writeFileSync(join(foreign, 'thesis.md'), 'mine');
    const refused = await runCli(['export', '--to', foreign, '--data-dir', gw.dataDir]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /not empty and holds no earlier export[\s\S]*new or empty folder/);
    assert.deepEqual([...tree(foreign).keys()], ['thesis.md']);
    const one = join(tempDir('export-one-'), 'x');
    mkdirSync(one);
    const report = json(await runCli(['export', '--to', one, '--project', 'WebShop', '--data-dir', gw.dataDir, '--json']));
    assert.deepEqual(
      (report.projects as { name: string }[]).map((p) => p.name),
      ['webshop'],
    );
    const missing = await runCli(['export', '--to', one, '--project', 'nope', '--data-dir', gw.dataDir]);
    assert.match(missing.stderr, /no project "nope"[\s\S]*webshop/);
  });

  it('a broken file stops the import, names the file, and writes nothing', async () => {
    const broken = join(tempDir('export-broken-'), 'memory');
    json(await runCli(['export', '--to', broken, '--data-dir', gw.dataDir, '--json']));
    writeFileSync(join(broken, 'webshop', 'contexts', 'deploy%2Frules', 'v0002.md'), '---\nlabel: "deploy/rules"\nversion: two\n---\ntext');
    const fresh = tempDir('export-broken-import-');
    const result = await runCli(['import', 'dementia-export', '--from', broken, '--data-dir', fresh]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /nothing was imported[\s\S]*v0002\.md, file front matter: "version" is not JSON/);
    const empty = join(tempDir('export-after-broken-'), 'memory');
    const after = json(await runCli(['export', '--to', empty, '--data-dir', fresh, '--json']));
    assert.deepEqual(after.projects, []);
  });
});
