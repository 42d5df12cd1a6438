import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ImportReport, ProjectReport } from '../../src/gateway/import/plan-writer.ts';
import { adminAuth } from '../helpers/admin-auth.ts';
import { runCli } from '../helpers/cli-process.ts';
import { connectClient, startTestGateway, tempDir, textOf } from '../helpers/gateway-harness.ts';
import { disposeSharedPostgres, freePort, sharedPostgres, type SharedPostgres } from '../helpers/postgres.ts';
import { createBrokenSchema, createOldServerSchemas, HOUR, INNKEEPER_FINISHED, T0, VOICE_VERSIONS, voiceText } from './helpers/old-servers.ts';
import { dumpStore, storeRows } from './helpers/store-dump.ts';
import { structured } from './helpers/results.ts';

type Report = ImportReport;

const counts = (p: ProjectReport) => ({
  name: p.name,
  contexts: p.contexts,
  versions: p.versions,
  archived: p.archived,
  handovers: p.handovers,
  notes: p.notes,
});

/** Every row of every table of the old server's database, to prove the import never writes to it. */
async function sourceDump(pg: SharedPostgres, database: string): Promise<string> {
  const tables = await pg.query<{ s: string; t: string }>(
    database,
    "SELECT table_schema AS s, table_name AS t FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2",
  );
  const parts: string[] = [];
  for (const { s, t } of tables) parts.push(`${s}.${t}: ${JSON.stringify(await pg.query(database, `SELECT * FROM "${s}"."${t}" ORDER BY 1`))}`);
  return parts.join('\n');
}

describe('import claude-dementia from its Postgres database', () => {
  let pg: SharedPostgres;
  let database: string;
  let url: string;

  before(async () => {
    pg = await sharedPostgres();
    database = await pg.createDatabase('claude_dementia');
    await createOldServerSchemas(pg, database);
    url = pg.url(database);
  });
  after(() => disposeSharedPostgres());

  const importCli = (dataDir: string, ...extra: string[]) => runCli(['import', 'claude-dementia', '--from', url, '--data-dir', dataDir, '--json', ...extra]);

  let dryRun: Report;

  it('a dry run reports per project what would be written and what is skipped and why, and writes nothing', async () => {
    const dataDir = tempDir();
    const source = await sourceDump(pg, database);
    const result = await importCli(dataDir, '--dry-run');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '', 'no progress line for a dry run');
    dryRun = JSON.parse(result.stdout) as Report;
    assert.equal(dryRun.dryRun, true);
    assert.match(dryRun.from, /postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\//, 'the password is masked');
    assert.deepEqual(dryRun.projects.map(counts), [
      { name: 'client-portal', contexts: 1, versions: 1, archived: 0, handovers: 0, notes: 2 },
      { name: 'home-lab', contexts: 1, versions: 1, archived: 0, handovers: 1, notes: 0 },
      { name: 'innkeeper', contexts: 2, versions: 3, archived: 1, handovers: 1, notes: 0 },
      { name: 'linkedin', contexts: 5, versions: 14, archived: 1, handovers: 2, notes: 2 },
    ]);
    assert.ok(dryRun.projects.every((p) => p.created && p.unchanged === 0));
    const linkedin = dryRun.projects.find((p) => p.name === 'linkedin')!;
    assert.deepEqual(linkedin.warnings, ['priority "critical" (not always_check, important or reference) on 1 version(s): imported as reference']);
    assert.deepEqual(dryRun.skipped, [
      { item: 'schema "dementia_0f1e2d3c4b5a6978", context_locks id 3', reason: 'the row names no project (no project_name, and its session has none)' },
    ]);
    assert.equal(
      storeRows<{ n: number }>(
        dataDir,
        'SELECT (SELECT count(*) FROM projects) + (SELECT count(*) FROM contexts) + (SELECT count(*) FROM archived_contexts) + (SELECT count(*) FROM handovers) + (SELECT count(*) FROM notes) + (SELECT count(*) FROM sync_outbox) AS n',
      )[0]!.n,
      0,
    );
    assert.equal(await sourceDump(pg, database), source, 'the source is only read');
  });

  describe('imported while the gateway runs on the same data folder', () => {
    let dataDir: string;
    let test: Awaited<ReturnType<typeof startTestGateway>>;
    let mcp: Awaited<ReturnType<typeof connectClient>>;

    before(async () => {
      dataDir = tempDir();
      test = await startTestGateway({ dataDir });
      const { token } = test.addClient('Claude Code', { kind: 'claude-code' });
      mcp = await connectClient(test.url, token);
    });
    after(async () => {
      await mcp.close();
      await test.stop({ remove: true });
    });

    it('writes exactly what the dry run said, through the sync outbox', async () => {
      const result = await importCli(dataDir);
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as Report;
      assert.equal(report.dryRun, false);
      assert.deepEqual(report.projects.map(counts), dryRun.projects.map(counts));
      const outbox = storeRows<{ entity: string; op: string; n: number }>(
        dataDir,
        'SELECT entity, op, count(*) AS n FROM sync_outbox GROUP BY 1, 2 ORDER BY 1, 2',
      );
      assert.deepEqual(outbox, [
        { entity: 'context', op: 'archive', n: 2 },
        { entity: 'context', op: 'upsert', n: 21 },
        { entity: 'handover', op: 'upsert', n: 4 },
        { entity: 'note', op: 'upsert', n: 4 },
        { entity: 'project', op: 'upsert', n: 4 },
      ]);
    });

    it('MCP clients see every project; versions "1.0" … "1.10" are 1 … 11 in numeric order, with their times', async () => {
      const projects = (structured(await mcp.call('list_projects')).projects as { name: string; contextCount: number }[]).map((p) => [p.name, p.contextCount]);
      assert.deepEqual(projects, [
        ['client-portal', 1],
        ['home-lab', 1],
        ['innkeeper', 2],
        ['linkedin', 4],
      ]);
      const latest = structured(await mcp.call('recall_context', { project: 'linkedin', topic: 'voice' })) as {
        context: { version: number; content: string; priority: string; tags: string[]; createdAt: string };
        versions: number[];
      };
      assert.equal(latest.context.version, 11);
      assert.equal(latest.context.content, voiceText('1.10'));
      assert.deepEqual(latest.versions, [11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
      assert.equal(latest.context.priority, 'important');
      assert.deepEqual(latest.context.tags, ['writing', 'tone'], 'tags normalized like lock_context: trimmed, lower case');
      assert.equal(latest.context.createdAt, new Date((T0 + 10 * 600) * 1000).toISOString(), 'locked_at (epoch seconds) kept');
      for (const [i, version] of VOICE_VERSIONS.entries()) {
        const old = structured(await mcp.call('recall_context', { project: 'linkedin', topic: 'voice', version: i + 1 })) as { context: { content: string } };
        assert.equal(old.context.content, voiceText(version), `v${i + 1} is "${version}"`);
      }
      const checkin = structured(await mcp.call('recall_context', { project: 'innkeeper', topic: 'checkin-flow' })) as {
        context: { version: number; tags: string[]; priority: string; createdAt: string };
      };
      assert.deepEqual(
        checkin.context,
        { ...checkin.context, version: 2, tags: ['ops', 'deploy'], priority: 'important', createdAt: '2025-07-01T16:40:00.000Z' },
        'TIMESTAMPTZ and TEXT[] columns',
      );
      const bio = structured(await mcp.call('recall_context', { project: 'linkedin', topic: 'bio' })) as { context: { tags: string[]; priority: string } };
      assert.deepEqual([bio.context.tags, bio.context.priority], [['profile', 'about'], 'reference'], 'a comma-separated tags column, no metadata');
      const hashtags = structured(await mcp.call('recall_context', { project: 'linkedin', topic: 'hashtags' })) as { context: { priority: string } };
      assert.equal(hashtags.context.priority, 'reference', 'the unknown priority "critical"');
      const rules = structured(await mcp.call('recall_context', { project: 'linkedin', topic: 'posting-rules' })) as { context: { priority: string } };
      assert.equal(rules.context.priority, 'always_check');
      const auth = structured(await mcp.call('recall_context', { project: 'client-portal', topic: 'auth' })) as { context: { tags: string[] } };
      assert.deepEqual(auth.context.tags, ['security'], 'a schema per API key: project_name column, tags column over metadata');
      const backups = structured(await mcp.call('recall_context', { project: 'home-lab', topic: 'backups' })) as { context: { tags: string[] } };
      assert.deepEqual(backups.context.tags, ['nas', 'ops'], 'no tags column value: the metadata tags');
    });

    it('search finds imported contexts; versions the old server unlocked are archived and restore_context brings them back', async () => {
      const hits = structured(await mcp.call('search_contexts', { project: 'innkeeper', query: 'QR code check in' })) as {
        results: { label: string; version: number }[];
      };
      assert.deepEqual(
        hits.results.map((hit) => [hit.label, hit.version]),
        [['checkin-flow', 2]],
      );
      const rules = structured(await mcp.call('check_contexts', { project: 'linkedin', action: 'post on Tuesday and tag people' }));
      assert.match(JSON.stringify(rules), /posting-rules/);

      const missing = await mcp.call('recall_context', { project: 'linkedin', topic: 'old-schedule' });
      assert.equal(missing.isError, true, 'archived: not live until restored');
      const restored = structured(await mcp.call('restore_context', { project: 'linkedin', topic: 'old-schedule' }));
      assert.deepEqual(restored, { ...restored, restored: [1], latestVersion: 1 });
      const schedule = structured(await mcp.call('recall_context', { project: 'linkedin', topic: 'old-schedule' })) as {
        context: { content: string; priority: string; tags: string[] };
      };
      assert.deepEqual([schedule.context.content, schedule.context.priority, schedule.context.tags], ['Post daily at 7am.', 'important', ['schedule']]);

      // "pricing" 1.1 was unlocked in the old server: it is archived v2 above the live v1.
      assert.equal(
        (structured(await mcp.call('recall_context', { project: 'innkeeper', topic: 'pricing' })) as { context: { version: number } }).context.version,
        1,
      );
      structured(await mcp.call('restore_context', { project: 'innkeeper', topic: 'pricing', version: 2 }));
      const pricing = structured(await mcp.call('recall_context', { project: 'innkeeper', topic: 'pricing' })) as {
        context: { version: number; content: string };
      };
      assert.deepEqual([pricing.context.version, pricing.context.content], [2, 'Prices exclude VAT for business guests.']);
    });

    it('handovers arrive as handovers: get_last_handover returns the last one with its real end time', async () => {
      const inn = structured(await mcp.call('get_last_handover', { project: 'innkeeper' })) as {
        handover: { endedAt: string; startedAt: string; client: string; content: { progress: string[]; nextSteps: string[]; notes: string[] } };
      };
      assert.equal(inn.handover.endedAt, new Date(INNKEEPER_FINISHED).toISOString(), 'finished_at, not the later time the row was written');
      assert.equal(inn.handover.startedAt, '2025-07-01T16:00:00.000Z');
      assert.equal(inn.handover.client, 'claude-dementia (imported)');
      assert.deepEqual(inn.handover.content.progress, ['Rewrote the check-in flow']);
      assert.deepEqual(inn.handover.content.nextSteps, ['Test the pricing page on mobile']);
      assert.deepEqual(inn.handover.content.notes, ['Tools used: lock_context, unlock_context']);

      const result = await mcp.call('get_last_handover', { project: 'linkedin' });
      const linkedin = structured(result) as {
        handover: { endedAt: string; startedAt: string; content: { todos: string[]; openQuestions: string[]; progress: string[]; locked: unknown[] } };
      };
      assert.equal(linkedin.handover.endedAt, new Date((T0 + 6 * HOUR) * 1000).toISOString(), 'the later of two handovers, at its own time');
      assert.equal(linkedin.handover.startedAt, new Date(T0 * 1000).toISOString(), 'the old session started then');
      assert.deepEqual(linkedin.handover.content.todos, ['Schedule the launch post']);
      assert.deepEqual(linkedin.handover.content.openQuestions, ['Which headline tested better?']);
      assert.deepEqual(linkedin.handover.content.progress, ['Drafted three posts about the launch.', 'Completed: Pick the banner image']);
      assert.deepEqual(
        linkedin.handover.content.locked,
        [
          { label: 'voice', version: 11, priority: 'important' },
          { label: 'posting-rules', version: 1, priority: 'always_check' },
        ],
        'the versions the locked contexts got here',
      );
      assert.match(textOf(result), /imported from claude-dementia[\s\S]*Next steps:|imported from claude-dementia[\s\S]*Todos:\n- Schedule the launch post/);

      const notes = storeRows<{ project_name: string; kind: string; text: string }>(dataDir, 'SELECT project_name, kind, text FROM notes ORDER BY created_at');
      assert.deepEqual(
        notes,
        [
          { project_name: 'linkedin', kind: 'progress', text: 'Drafted three posts about the launch.' },
          { project_name: 'linkedin', kind: 'todo', text: 'Reply to the comments on the hiring post.' },
          { project_name: 'client-portal', kind: 'progress', text: 'Moved the login page to server-side sessions.' },
          { project_name: 'client-portal', kind: 'decision', text: 'Passkeys first, passwords as a fallback.' },
        ],
        'progress, todo and decision entries are notes (one without a time gets the import’s); the project of a session-only entry comes from public.mcp_sessions',
      );
    });

    it('the running gateway’s status (tray, status window) shows the imported projects', async () => {
      const response = await fetch(`${test.gateway.baseUrl}/api/status`, { headers: await adminAuth(test.gateway) });
      const status = (await response.json()) as { projects: { name: string; contextCount: number }[]; handovers: { project: string; client: string }[] };
      assert.deepEqual(
        status.projects.map((p) => p.name),
        ['client-portal', 'home-lab', 'innkeeper', 'linkedin'],
      );
      assert.ok(status.handovers.some((h) => h.project === 'innkeeper' && h.client === 'claude-dementia (imported)'));
    });

    it('a second run adds nothing: the store holds the same set of rows, byte for byte', async () => {
      const before = dumpStore(dataDir);
      const result = await importCli(dataDir);
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as Report;
      assert.deepEqual(report.totals, { contexts: 0, versions: 0, archived: 0, handovers: 0, notes: 0, unchanged: 29, skipped: 1 });
      assert.ok(report.projects.every((p) => !p.created));
      assert.equal(dumpStore(dataDir), before);
      const text = await runCli(['import', 'claude-dementia', '--from', url, '--data-dir', dataDir]);
      assert.match(text.stdout, /Nothing new: everything was already here\./);
    });
  });

  it('an unreadable row stops the import: the error names schema, table and row, reports the readable rows, and writes nothing', async () => {
    const broken = await pg.createDatabase('broken');
    await createBrokenSchema(pg, broken);
    const dataDir = tempDir();
    const before = dumpStore(dataDir);
    const result = await runCli(['import', 'claude-dementia', '--from', pg.url(broken), '--data-dir', dataDir, '--json']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /has 2 row\(s\) that cannot be read; nothing was imported/);
    assert.match(result.stderr, /- schema "notes", context_locks id 2: metadata is not valid JSON/);
    assert.match(result.stderr, /- schema "notes", memory_entries id 2: the handover's the content is not valid JSON/);
    assert.match(result.stderr, /The readable rows would give:\n {2}notes: 1 context\(s\) \(1 version\(s\), 0 archived\), 0 handover\(s\), 1 note\(s\)/);
    assert.match(result.stderr, /Fix: Correct or delete those rows in the source/);
    assert.doesNotMatch(result.stderr + result.stdout, /test-password/);
    const readable = JSON.parse(result.stdout) as Report & { problems: { where: string; table: string; row: string }[] };
    assert.deepEqual(
      readable.problems.map((p) => [p.where, p.table, p.row]),
      [
        ['schema "notes"', 'context_locks', 'id 2'],
        ['schema "notes"', 'memory_entries', 'id 2'],
      ],
    );
    assert.deepEqual(readable.projects.map(counts), [{ name: 'notes', contexts: 1, versions: 1, archived: 0, handovers: 0, notes: 1 }]);
    const after = dumpStore(dataDir);
    assert.ok(before === '(no store)' || after === before);
    assert.equal(storeRows<{ n: number }>(dataDir, 'SELECT count(*) AS n FROM contexts')[0]!.n, 0, 'nothing half-written');
  });

  it('a wrong URL, or a database that holds no claude-dementia tables, is a clear error without the password', async () => {
    const dataDir = tempDir();
    const closed = await freePort();
    const refused = await runCli(['import', 'claude-dementia', '--from', `postgres://me:hunter2secret@127.0.0.1:${closed}/memory`, '--data-dir', dataDir]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^Error: Cannot connect to postgres:\/\/me:\*\*\*@127\.0\.0\.1:\d+\/memory: .*ECONNREFUSED.*Fix: Check the URL/s);
    assert.doesNotMatch(refused.stderr, /hunter2secret/);
    const empty = await pg.createDatabase('empty');
    const none = await runCli(['import', 'claude-dementia', '--from', pg.url(empty), '--data-dir', dataDir]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /No claude-dementia memory in postgres:\/\/postgres:\*\*\*@.*: no schema has a context_locks table/);
    const badUrl = await runCli(['import', 'claude-dementia', '--from', 'postgres://', '--data-dir', dataDir]);
    assert.equal(badUrl.code, 2);
    assert.match(badUrl.stderr, /The source URL/);
  });

  it('two old schemas whose names become one project are reported and skipped, never merged silently; --merge merges them', async () => {
    const twins = await pg.createDatabase('twins');
    for (const schema of ['LinkedIn', 'linkedin']) {
      await pg.query(twins, `CREATE SCHEMA "${schema}"`);
      await pg.query(
        twins,
        `CREATE TABLE "${schema}".context_locks (id SERIAL PRIMARY KEY, session_id TEXT NOT NULL, label TEXT NOT NULL, version TEXT, content TEXT, content_hash TEXT, metadata TEXT, tags TEXT, locked_at DOUBLE PRECISION)`,
      );
    }
    await pg.query(
      twins,
      `INSERT INTO "LinkedIn".context_locks (session_id, label, version, content, content_hash, metadata, locked_at) VALUES ('a', 'voice', '1.0', 'From the upper-case schema.', 'x', '{}', $1)`,
      [T0],
    );
    await pg.query(
      twins,
      `INSERT INTO linkedin.context_locks (session_id, label, version, content, content_hash, metadata, locked_at) VALUES ('b', 'voice', '1.0', 'From the lower-case schema.', 'x', '{}', $1), ('b', 'voice', '1.1', 'Lower-case, later.', 'x', '{}', $2)`,
      [T0 + HOUR, T0 + 2 * HOUR],
    );
    const dataDir = tempDir();
    const plain = await runCli(['import', 'claude-dementia', '--from', pg.url(twins), '--data-dir', dataDir, '--json']);
    assert.equal(plain.code, 0, plain.stderr);
    const report = JSON.parse(plain.stdout) as Report;
    assert.deepEqual(report.projects.map(counts), [{ name: 'linkedin', contexts: 0, versions: 0, archived: 0, handovers: 0, notes: 0 }]);
    assert.deepEqual(report.projects[0]!.skipped, [
      {
        item: 'schema "LinkedIn" and schema "linkedin"',
        reason: 'they would all become project "linkedin", so none of them was imported. Import them into that one project with --merge.',
      },
    ]);
    assert.equal(storeRows<{ n: number }>(dataDir, 'SELECT count(*) AS n FROM contexts')[0]!.n, 0);

    const merged = await runCli(['import', 'claude-dementia', '--from', pg.url(twins), '--data-dir', dataDir, '--json', '--merge']);
    const mergedReport = JSON.parse(merged.stdout) as Report;
    assert.deepEqual(mergedReport.projects.map(counts), [{ name: 'linkedin', contexts: 1, versions: 3, archived: 0, handovers: 0, notes: 0 }]);
    assert.deepEqual(mergedReport.projects[0]!.warnings, [
      'label "voice": 2 old sessions each numbered their versions from 1.0; their versions follow each other, oldest session first',
    ]);
    const versions = storeRows<{ version: number; content: string }>(dataDir, "SELECT version, content FROM contexts WHERE label = 'voice' ORDER BY version");
    assert.deepEqual(
      versions.map((v) => v.content),
      ['From the upper-case schema.', 'From the lower-case schema.', 'Lower-case, later.'],
    );
  });
});
