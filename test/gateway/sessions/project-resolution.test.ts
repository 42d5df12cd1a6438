// docs/design.md invariant 1 (one project per call, resolved without guessing) and invariant 2 (every result names
// its project and work session).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectClient, startTestGateway, textOf, type TestGateway } from '../../helpers/gateway-harness.ts';

describe('project resolution', () => {
  let gw: TestGateway;

  before(async () => {
    gw = await startTestGateway();
    for (const name of ['alpha', 'beta', 'gamma']) gw.gateway.services.projects.create(name);
  });
  after(() => gw.stop({ remove: true }));

  it('answers PROJECT_SELECTION_REQUIRED as a tool result listing the projects, and writes nothing', async () => {
    const c = await connectClient(gw.url, gw.addClient('fresh').token);
    const result = await c.call('lock_context', { topic: 't', content: 'x' });
    assert.equal(result.isError, true);
    assert.match(textOf(result), /^PROJECT_SELECTION_REQUIRED/);
    assert.match(textOf(result), /alpha[\s\S]*beta[\s\S]*gamma/);
    assert.match(textOf(result), /select_project_for_session/);
    const projects = (result.structuredContent?.projects as { name: string }[]).map((p) => p.name);
    assert.deepEqual(projects, ['alpha', 'beta', 'gamma']);
    const count = gw.gateway.services.db.prepare('SELECT count(*) FROM contexts').pluck().get();
    assert.equal(count, 0);
    await c.close();
  });

  it('always allows the project tools without a selection', async () => {
    const c = await connectClient(gw.url, gw.addClient('tools-only').token);
    for (const [tool, args] of [
      ['list_projects', {}],
      ['create_project', { name: 'Delta Project' }],
      ['get_project_info', { project: 'delta-project' }],
      ['session_status', {}],
      ['select_project_for_session', { project_name: 'delta-project' }],
    ] as const) {
      const result = await c.call(tool, args);
      assert.notEqual(result.isError, true, `${tool}: ${textOf(result)}`);
    }
    await c.close();
  });

  it('resolves explicit argument, then pinned project, then active project', async () => {
    const pinned = gw.addClient('pinned to beta', { project: 'beta' });
    const c = await connectClient(gw.url, pinned.token);
    await c.call('select_project_for_session', { project_name: 'alpha' });
    const viaPin = await c.call('lock_context', { topic: 'a', content: 'goes to beta' });
    assert.equal(viaPin.structuredContent?.project, 'beta');
    assert.equal(viaPin.structuredContent?.projectSource, 'pinned');
    const explicit = await c.call('lock_context', { topic: 'a', content: 'goes to gamma', project: 'gamma' });
    assert.equal(explicit.structuredContent?.project, 'gamma');
    assert.equal(explicit.structuredContent?.projectSource, 'argument');
    await c.close();

    const free = gw.addClient('unpinned');
    const d = await connectClient(gw.url, free.token);
    await d.call('lock_context', { topic: 'b', content: 'explicit alpha', project: 'alpha' });
    // The last explicit project became this client's active project.
    const viaActive = await d.call('recall_context', { topic: 'b' });
    assert.equal(viaActive.structuredContent?.project, 'alpha');
    assert.equal(viaActive.structuredContent?.projectSource, 'active');
    await d.close();
  });

  it("never uses another client's project", async () => {
    const first = await connectClient(gw.url, gw.addClient('first').token);
    await first.call('select_project_for_session', { project_name: 'gamma' });
    const second = await connectClient(gw.url, gw.addClient('second').token);
    const result = await second.call('recall_context', { topic: 'a' });
    assert.match(textOf(result), /^PROJECT_SELECTION_REQUIRED/);
    await first.close();
    await second.close();
  });

  it('keeps a separate active project per client instance', async () => {
    const { token } = gw.addClient('Claude Code, two windows', { kind: 'claude-code' });
    const left = await connectClient(gw.url, token, { headers: { 'X-Dementia-Instance': '/src/app' } });
    const right = await connectClient(gw.url, token, { headers: { 'X-Dementia-Instance': '/src/site' } });
    await left.call('select_project_for_session', { project_name: 'alpha' });
    await right.call('select_project_for_session', { project_name: 'beta' });
    const l = await left.call('session_status');
    const r = await right.call('session_status');
    assert.equal(l.structuredContent?.project, 'alpha');
    assert.equal(r.structuredContent?.project, 'beta');
    assert.notEqual((l.structuredContent?.workSession as { id: string }).id, (r.structuredContent?.workSession as { id: string }).id);
    await left.close();
    await right.close();
  });

  it('rejects an unknown explicit project with the list of projects and how to create it', async () => {
    const c = await connectClient(gw.url, gw.addClient('typo').token);
    const result = await c.call('select_project_for_session', { project_name: 'linkdin' });
    assert.equal(result.isError, true);
    assert.match(textOf(result), /UNKNOWN_PROJECT: Project "linkdin" does not exist\..*alpha.*create_project\(name="linkdin"\)/s);
    await c.close();
  });

  it('names the project and work session in every result', async () => {
    const c = await connectClient(gw.url, gw.addClient('named').token);
    await c.call('select_project_for_session', { project_name: 'alpha' });
    for (const [tool, args] of [
      ['lock_context', { topic: 'n', content: 'named result' }],
      ['recall_context', { topic: 'n' }],
      ['search_contexts', { query: 'named' }],
      ['context_dashboard', {}],
      ['check_contexts', { action: 'deploy' }],
      ['get_last_handover', {}],
    ] as const) {
      const result = await c.call(tool, args);
      assert.equal(result.structuredContent?.project, 'alpha', tool);
      const session = result.structuredContent?.workSession as { id: string };
      assert.match(session.id, /^[0-9a-f-]{36}$/, tool);
      assert.match(textOf(result), new RegExp(`^Project "alpha" · work session ${session.id.slice(0, 8)}`), tool);
    }
    // A failed call on a project is still work on it: the error names the same session.
    const before = await c.call('session_status');
    const failed = await c.call('recall_context', { topic: 'no such topic' });
    assert.equal(failed.isError, true);
    assert.equal(failed.structuredContent?.project, 'alpha');
    assert.equal((failed.structuredContent?.workSession as { id: string }).id, (before.structuredContent?.workSession as { id: string }).id);
    await c.close();
  });
});
