// Invariants 1, 2 and 4 for the tools that work on the project list, not inside a project
// (create_project, delete_project: `project: 'none'`). Such a call is answered without a work
// session and recorded in the activity log with no project: never in the session (and so the
// handover) of the project the client happens to have selected.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectClient, startTestGateway, textOf, type TestGateway } from '../../helpers/gateway-harness.ts';

interface ActivityRow {
  tool: string;
  ok: number;
  project_name: string | null;
  session_id: string | null;
}

describe('project-less calls (create_project, delete_project)', () => {
  let gw: TestGateway;

  before(async () => {
    gw = await startTestGateway();
    gw.gateway.services.projects.create('alpha');
  });
  after(() => gw.stop({ remove: true }));

  const activityOf = (clientId: string, tool: string): ActivityRow[] =>
    gw.gateway.services.db
      .prepare('SELECT tool, ok, project_name, session_id FROM activity WHERE client_id = ? AND tool = ? ORDER BY id')
      .all(clientId, tool) as ActivityRow[];

  it('with "alpha" selected, create_project("beta") is answered with no project and no work session, and recorded without a project', async () => {
    const { id, token } = gw.addClient('creator');
    const c = await connectClient(gw.url, token);
    await c.call('select_project_for_session', { project_name: 'alpha' });

    const created = await c.call('create_project', { name: 'beta' });
    assert.notEqual(created.isError, true, textOf(created));
    assert.doesNotMatch(textOf(created), /alpha/);
    assert.match(textOf(created), /^No project · no work session/);
    assert.match(textOf(created), /Created project "beta"/);
    assert.equal(created.structuredContent?.project, null);
    assert.equal(created.structuredContent?.workSession, null);
    assert.deepEqual(activityOf(id, 'create_project'), [{ tool: 'create_project', ok: 1, project_name: null, session_id: null }]);

    // The selection is untouched, and alpha's handover counts only the calls made on alpha.
    const ended = await c.call('end_session', {});
    assert.equal(ended.structuredContent?.project, 'alpha');
    const handover = (ended.structuredContent?.handover as { summary: string }).summary;
    assert.match(handover, /2 tool calls/);
    assert.doesNotMatch(handover, /beta/);
    await c.close();
  });

  it('a failed delete_project with "alpha" selected is recorded without a project, outside alpha\'s work session', async () => {
    const { id, token } = gw.addClient('deleter');
    const c = await connectClient(gw.url, token);
    await c.call('select_project_for_session', { project_name: 'alpha' });
    const refused = await c.call('delete_project', { project_name: 'alpha', confirm: 'nope' });
    assert.equal(refused.isError, true);
    assert.match(textOf(refused), /CONFIRMATION_REQUIRED/);
    assert.equal(refused.structuredContent?.project, null);
    assert.equal(refused.structuredContent?.workSession, null);
    assert.deepEqual(activityOf(id, 'delete_project'), [{ tool: 'delete_project', ok: 0, project_name: null, session_id: null }]);
    await c.close();
  });
});
