import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { runCli } from '../helpers/cli-process.ts';
import { connectClient, startTestGateway, tempDir, type TestGateway } from '../helpers/gateway-harness.ts';
import { dumpStore } from './helpers/store-dump.ts';
import { structured } from './helpers/results.ts';

const SERVER_MEMORY = fileURLToPath(new URL('../../node_modules/@modelcontextprotocol/server-memory/dist/index.js', import.meta.url));

/** The real @modelcontextprotocol/server-memory over stdio, writing its graph to `file`. */
async function serverMemory(file: string): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [SERVER_MEMORY],
    env: { ...(process.env as Record<string, string>), MEMORY_FILE_PATH: file },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'import-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

async function use(file: string, calls: [string, Record<string, unknown>][]): Promise<void> {
  const client = await serverMemory(file);
  try {
    for (const [name, args] of calls) {
      const result = await client.callTool({ name, arguments: args });
      assert.ok(!result.isError, JSON.stringify(result.content));
    }
  } finally {
    await client.close();
  }
}

describe('import a server-memory knowledge graph (memory.jsonl)', () => {
  let graphFile: string;
  let test: TestGateway;
  let mcp: Awaited<ReturnType<typeof connectClient>>;
  const importGraph = (...extra: string[]) =>
    runCli(['import', 'server-memory', '--from', graphFile, '--project', 'Notes', '--data-dir', test.dataDir, '--json', ...extra]);

  before(async () => {
    graphFile = join(tempDir('server-memory-'), 'memory.jsonl');
    await use(graphFile, [
      [
        'create_entities',
        {
          entities: [
            { name: 'Alice', entityType: 'person', observations: ['Leads the billing team', 'Prefers email over calls'] },
            { name: 'Acme', entityType: 'Company', observations: ['Pays invoices within 30 days'] },
            { name: 'Quarterly review', entityType: 'event', observations: [] },
          ],
        },
      ],
      ['create_relations', { relations: [{ from: 'Alice', to: 'Acme', relationType: 'works_at' }] }],
    ]);
    test = await startTestGateway();
    const { token } = test.addClient('Claude Desktop', { kind: 'claude-desktop' });
    mcp = await connectClient(test.url, token);
  });
  after(async () => {
    await mcp.close();
    await test.stop({ remove: true });
  });

  it('every entity becomes a context: label from its name, text from observations and relations, tags from its type', async () => {
    const dry = await importGraph('--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual((JSON.parse(dry.stdout) as { projects: unknown[] }).projects, [
      {
        name: 'notes',
        from: [graphFile],
        created: true,
        contexts: 3,
        versions: 3,
        archived: 0,
        handovers: 0,
        notes: 0,
        unchanged: 0,
        skipped: [],
        warnings: [],
      },
    ]);
    const result = await importGraph();
    assert.equal(result.code, 0, result.stderr);
    const alice = structured(await mcp.call('recall_context', { project: 'notes', topic: 'Alice' })) as {
      context: { version: number; content: string; tags: string[]; priority: string };
    };
    assert.equal(alice.context.content, 'Alice (person)\n\n- Leads the billing team\n- Prefers email over calls\n\nRelations:\n- Alice works at Acme');
    assert.deepEqual([alice.context.version, alice.context.tags, alice.context.priority], [1, ['person'], 'reference']);
    const acme = structured(await mcp.call('recall_context', { project: 'notes', topic: 'Acme' })) as { context: { content: string; tags: string[] } };
    assert.equal(acme.context.content, 'Acme (Company)\n\n- Pays invoices within 30 days\n\nRelations:\n- Alice works at Acme');
    assert.deepEqual(acme.context.tags, ['company']);
    const hits = structured(await mcp.call('search_contexts', { project: 'notes', query: 'invoices' })) as { results: { label: string }[] };
    assert.deepEqual(
      hits.results.map((hit) => hit.label),
      ['Acme'],
    );
  });

  it('importing the same graph again adds nothing; a changed graph adds versions only for entities whose text changed', async () => {
    const before = dumpStore(test.dataDir);
    const again = await importGraph();
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual((JSON.parse(again.stdout) as { totals: unknown }).totals, {
      contexts: 0,
      versions: 0,
      archived: 0,
      handovers: 0,
      notes: 0,
      unchanged: 3,
      skipped: 0,
    });
    assert.equal(dumpStore(test.dataDir), before, 'byte for byte the same rows');

    await use(graphFile, [['add_observations', { observations: [{ entityName: 'Alice', contents: ['Moved to the Berlin office'] }] }]]);
    const changed = await importGraph();
    const report = JSON.parse(changed.stdout) as { totals: Record<string, number> };
    assert.deepEqual(report.totals, { contexts: 1, versions: 1, archived: 0, handovers: 0, notes: 0, unchanged: 2, skipped: 0 });
    const alice = structured(await mcp.call('recall_context', { project: 'notes', topic: 'Alice' })) as {
      context: { version: number; content: string };
      versions: number[];
    };
    assert.deepEqual(alice.versions, [2, 1]);
    assert.match(alice.context.content, /- Moved to the Berlin office/);
    const acme = structured(await mcp.call('recall_context', { project: 'notes', topic: 'Acme' })) as { versions: number[] };
    assert.deepEqual(acme.versions, [1], 'Acme did not change');
  });

  it('needs a project; a line that is not what server-memory writes is an error naming the line, and nothing is written', async () => {
    const noProject = await runCli(['import', 'server-memory', '--from', graphFile, '--data-dir', test.dataDir]);
    assert.equal(noProject.code, 2);
    assert.match(noProject.stderr, /server-memory has no projects: say which one its graph goes into\. Fix: Pass --project NAME/);
    const broken = join(tempDir('server-memory-'), 'memory.jsonl');
    copyFileSync(graphFile, broken);
    appendFileSync(broken, '\n{"type":"entity","name":"Bob","entityType":"person","observations":["Joins in May"]}\n{"type":"entity","name":"Carol",\n');
    const lines = readFileSync(broken, 'utf8').split('\n').length;
    const before = dumpStore(test.dataDir);
    const result = await runCli(['import', 'server-memory', '--from', broken, '--project', 'notes', '--data-dir', test.dataDir]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, new RegExp(`memory\\.jsonl, line ${lines - 1}: is not a JSON object`));
    assert.match(
      result.stderr,
      /The readable rows would give:\n {2}notes: 1 context\(s\) \(1 version\(s\), 0 archived\), 0 handover\(s\), 0 note\(s\), 3 already here/,
    );
    assert.equal(dumpStore(test.dataDir), before, 'Bob, although readable, is not written');
  });

  it("says why a line is not JSON in full: the parser's reason and the column of the line, not cut short (issue 21.9)", async () => {
    const broken = join(tempDir('server-memory-'), 'memory.jsonl');
    // A missing comma at character 103 of the line.
    writeFileSync(broken, '{"type":"entity","name":"Alice","entityType":"person","observations":["a very long observation text"] "x":1}\n');
    const result = await runCli(['import', 'server-memory', '--from', broken, '--project', 'notes', '--data-dir', test.dataDir]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /memory\.jsonl, line 1: is not a JSON object \(Expected ',' or '}' after property value at column 103\)/);
  });
});
