import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli-process.ts';
import { connectClient, startTestGateway, tempDir } from '../helpers/gateway-harness.ts';
import Database from 'better-sqlite3';
import { createOldSqliteFile, HOUR, OLD_SQLITE_DDL, T0 } from './helpers/old-servers.ts';
import { dumpStore, storeRows } from './helpers/store-dump.ts';
import { structured } from './helpers/results.ts';

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('import claude-dementia from its local SQLite files', () => {
  let home: string;
  let projectFile: string;
  let cacheDir: string;

  before(() => {
    home = tempDir('old-dementia-');
    // A project's own .claude-memory.db, named after its folder.
    mkdirSync(join(home, 'Sites', 'Client Portal'), { recursive: true });
    projectFile = join(home, 'Sites', 'Client Portal', '.claude-memory.db');
    createOldSqliteFile(projectFile, 'Client Portal');
    // ~/.claude-dementia/<hash>.db files with path_mapping.json, for folders outside projects.
    cacheDir = join(home, '.claude-dementia');
    mkdirSync(cacheDir);
    createOldSqliteFile(join(cacheDir, '5ac15a2e.db'), '');
    writeFileSync(join(cacheDir, 'path_mapping.json'), JSON.stringify({ '5ac15a2e': { path: '/Users/me/Desktop/notes', name: 'notes', last_used: T0 } }));
    writeFileSync(join(cacheDir, 'not-a-db.db'), 'this is text, not SQLite');
  });

  it('a project file: versions in true order across old sessions, both time formats, archived versions, the handover; the file is only read', async () => {
    const dataDir = tempDir();
    const fingerprint = sha(projectFile);
    const result = await runCli(['import', 'claude-dementia', '--from', projectFile, '--data-dir', dataDir, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as {
      projects: { name: string; versions: number; archived: number; handovers: number; notes: number; warnings: string[] }[];
    };
    assert.deepEqual(
      report.projects.map((p) => [p.name, p.versions, p.archived, p.handovers, p.notes]),
      [['client-portal', 4, 1, 1, 1]],
      'the session’s project name "Client Portal", normalized',
    );
    assert.deepEqual(report.projects[0]!.warnings, [
      'label "architecture": 2 old sessions each numbered their versions from 1.0; their versions follow each other, oldest session first',
    ]);
    assert.equal(sha(projectFile), fingerprint, 'the source file is unchanged');

    const test = await startTestGateway({ dataDir });
    try {
      const { token } = test.addClient('Cursor', { kind: 'cursor' });
      const mcp = await connectClient(test.url, token);
      const architecture = structured(await mcp.call('recall_context', { project: 'client-portal', topic: 'architecture' })) as {
        context: { version: number; content: string; createdAt: string };
      };
      assert.deepEqual(
        [architecture.context.version, architecture.context.content, architecture.context.createdAt],
        [3, 'Search is its own service now.', new Date((T0 + 25 * HOUR) * 1000).toISOString()],
        'the later session’s "1.0" is the newest version',
      );
      const first = structured(await mcp.call('recall_context', { project: 'client-portal', topic: 'architecture', version: 1 })) as {
        context: { content: string };
      };
      assert.equal(first.context.content, 'Monolith first.');
      const stamped = structured(await mcp.call('recall_context', { project: 'client-portal', topic: 'test_memory_1' })) as { context: { createdAt: string } };
      assert.equal(stamped.context.createdAt, '2025-06-03T09:15:42.000Z', 'CURRENT_TIMESTAMP text is UTC');
      assert.deepEqual(structured(await mcp.call('restore_context', { project: 'client-portal', topic: 'test_api_spec' })).restored, [1]);
      const handover = structured(await mcp.call('get_last_handover', { project: 'client-portal' })) as {
        handover: { endedAt: string; startedAt: string; content: { todos: string[] } };
      };
      assert.equal(handover.handover.endedAt, new Date((T0 + 26 * HOUR) * 1000).toISOString());
      assert.equal(handover.handover.startedAt, new Date((T0 + 24 * HOUR) * 1000).toISOString(), 'the session’s own start');
      assert.deepEqual(handover.handover.content.todos, ['Load-test search']);
      await mcp.close();
    } finally {
      await test.stop({ remove: true });
    }
  });

  it('a folder: every memory file, named by path_mapping.json; other files are skipped with the reason; twice adds nothing', async () => {
    const dataDir = tempDir();
    const first = await runCli(['import', 'claude-dementia', '--from', cacheDir, '--data-dir', dataDir]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stdout,
      /^Imported .*\.claude-dementia:\n {2}notes: 3 context\(s\) \(4 version\(s\), 1 archived\), 1 handover\(s\), 1 note\(s\) \(new project\)/,
    );
    assert.match(first.stdout, /skipped file .*not-a-db\.db: is not a SQLite database/);
    const rows = dumpStore(dataDir);
    const again = await runCli(['import', 'claude-dementia', '--from', cacheDir, '--data-dir', dataDir]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Nothing new: everything was already here\./);
    assert.equal(dumpStore(dataDir), rows);
  });

  it('--project names the project of one file; a file that is not a claude-dementia database is a clear error', async () => {
    const dataDir = tempDir();
    const named = await runCli([
      'import',
      'claude-dementia',
      '--from',
      projectFile,
      '--project',
      'Portal Legacy',
      '--data-dir',
      dataDir,
      '--json',
      '--dry-run',
    ]);
    assert.equal(named.code, 0, named.stderr);
    assert.equal((JSON.parse(named.stdout) as { projects: { name: string }[] }).projects[0]!.name, 'portal-legacy');
    const notMemory = await runCli(['import', 'claude-dementia', '--from', join(cacheDir, 'not-a-db.db'), '--data-dir', dataDir]);
    assert.equal(notMemory.code, 2);
    assert.match(notMemory.stderr, /^Error: .*not-a-db\.db is not a SQLite database .*Fix: Pass a claude-dementia database/s);
    const missing = await runCli(['import', 'claude-dementia', '--from', join(home, 'nowhere.db'), '--data-dir', dataDir]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /There is no file or folder .*nowhere\.db/);
    assert.equal(storeRows<{ n: number }>(dataDir, 'SELECT count(*) AS n FROM projects')[0]!.n, 0);
  });

  it('a large import shows a progress line on stderr; stdout holds only the report', async () => {
    const file = join(tempDir('old-dementia-'), 'big.db');
    const db = new Database(file);
    db.exec(OLD_SQLITE_DDL);
    const insert = db.prepare(
      "INSERT INTO context_locks (session_id, label, version, content, content_hash, locked_at, metadata) VALUES ('s', ?, '1.0', ?, 'h', ?, '{}')",
    );
    db.transaction(() => {
      for (let i = 0; i < 1200; i++) insert.run(`topic-${i}`, `Context number ${i}.`, T0 + i);
    })();
    db.close();
    const dataDir = tempDir();
    const result = await runCli(['import', 'claude-dementia', '--from', file, '--project', 'big', '--data-dir', dataDir, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stderr.trim().split('\n');
    assert.ok(lines.length >= 2, result.stderr);
    assert.ok(
      lines.every((line) => /^Importing: \d+ of 1200 rows \(\d+%\)$/.test(line)),
      result.stderr,
    );
    assert.equal(lines.at(-1), 'Importing: 1200 of 1200 rows (100%)');
    assert.equal((JSON.parse(result.stdout) as { totals: { versions: number } }).totals.versions, 1200);
  });
});
