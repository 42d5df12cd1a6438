// Issue 15.3: read-only tools never move the client's selected project; a call that does move it
// says so in its first line; tool descriptions say when to pass `project` and what it does.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectClient, startTestGateway, textOf, type ConnectedClient, type TestGateway } from '../../helpers/gateway-harness.ts';

describe('the selected project moves only visibly', () => {
  let gw: TestGateway;
  let c: ConnectedClient;
  const firstLine = (result: Parameters<typeof textOf>[0]) => textOf(result).split('\n')[0]!;

  before(async () => {
    gw = await startTestGateway();
    for (const name of ['alpha', 'beta']) gw.gateway.services.projects.create(name);
    c = await connectClient(gw.url, gw.addClient('Claude Code', { kind: 'claude-code' }).token);
    await c.call('select_project_for_session', { project_name: 'alpha' });
    await c.call('lock_context', { topic: 'shared', content: 'in beta', project: 'beta' });
    await c.call('select_project_for_session', { project_name: 'alpha' });
  });
  after(async () => {
    await c.close();
    await gw.stop({ remove: true });
  });

  it('read-only tools with `project` read that project and leave the selection on alpha', async () => {
    const reads: [string, Record<string, unknown>][] = [
      ['get_project_info', {}],
      ['session_status', {}],
      ['list_projects', {}],
      ['recall_context', { topic: 'shared' }],
      ['batch_recall_contexts', { topics: ['shared'] }],
      ['search_contexts', { query: 'beta' }],
      ['explore_context_tree', {}],
      ['context_dashboard', {}],
      ['check_contexts', { action: 'deploy' }],
      ['get_last_handover', {}],
    ];
    for (const [tool, args] of reads) {
      const result = await c.call(tool, { ...args, project: 'beta' });
      assert.equal(result.structuredContent?.project, 'beta', tool);
      assert.equal(result.structuredContent?.selectionChanged, undefined, tool);
      assert.doesNotMatch(firstLine(result), /selected/, tool);
      const next = await c.call('lock_context', { topic: 'where', content: `after ${tool}` });
      assert.equal(next.structuredContent?.project, 'alpha', `a lock after ${tool} still goes to alpha`);
    }
  });

  it('a write with `project` moves the selection and its first line says so; repeating it says nothing', async () => {
    const moved = await c.call('add_note', { kind: 'todo', text: 'ship it', project: 'beta' });
    assert.match(firstLine(moved), /^Project "beta" · work session [0-9a-f]{8} · now this client's selected project \(was "alpha"\)$/);
    assert.deepEqual(moved.structuredContent?.selectionChanged, { from: 'alpha', to: 'beta' });
    const again = await c.call('lock_context', { topic: 'x', content: 'y', project: 'beta' });
    assert.doesNotMatch(firstLine(again), /selected/);
    const next = await c.call('lock_context', { topic: 'where', content: 'now beta' });
    assert.equal(next.structuredContent?.project, 'beta');
    const back = await c.call('select_project_for_session', { project_name: 'alpha' });
    assert.match(firstLine(back), /now this client's selected project \(was "beta"\)/);
  });

  it('a pinned client is told that calls without `project` still go to its pin', async () => {
    const pinned = await connectClient(gw.url, gw.addClient('pinned').token, { headers: { 'X-Dementia-Project': 'alpha' } });
    try {
      const moved = await pinned.call('lock_context', { topic: 'x', content: 'y', project: 'beta' });
      assert.match(firstLine(moved), /now this client's selected project \(was none\); calls without `project` still go to its pinned project "alpha"/);
    } finally {
      await pinned.close();
    }
  });

  it('tool descriptions say when to pass `project` and what it does to the selection', async () => {
    const { tools } = await c.client.listTools();
    const withProject = tools.filter((tool) => (tool.inputSchema.properties as Record<string, unknown> | undefined)?.project);
    assert.ok(withProject.length >= 15);
    for (const tool of withProject) {
      const property = (tool.inputSchema.properties as Record<string, { description: string }>).project!;
      if (tool.annotations?.readOnlyHint) {
        assert.match(tool.description!, /pass `project` only to read another one \(the selection stays as it is\)\.$/, tool.name);
        assert.match(property.description, /does not change which project is selected/, tool.name);
      } else {
        assert.match(tool.description!, /pass `project` only to write to another one, which then becomes this client's selected project\.$/, tool.name);
        assert.match(property.description, /also makes it this client's selected project/, tool.name);
      }
    }
  });
});
