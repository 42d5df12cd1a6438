// Invariants 1, 3 and 7 of docs/design.md, replaying the production log of the server this product
// replaces ("Why it exists" there): every reconnect was a new MCP session, and the selected project
// was lost or mixed between UIs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectClient, startTestGateway, textOf, type TestGateway } from '../../helpers/gateway-harness.ts';

describe('seed replay: reconnects never lose or mix projects', () => {
  let gw: TestGateway;
  let tokenA: string;
  let tokenB: string;

  before(async () => {
    gw = await startTestGateway();
    tokenA = gw.addClient('Claude Desktop', { kind: 'claude-desktop' }).token;
    tokenB = gw.addClient('claude.ai').token;
    const setup = await connectClient(gw.url, tokenA);
    await setup.call('create_project', { name: 'linkedin' });
    await setup.call('create_project', { name: 'innkeeper' });
    await setup.close();
  });
  after(() => gw.stop({ remove: true }));

  it('keeps client A on linkedin across three sessions while client B works on innkeeper', async () => {
    // 08:26:58 session 1: initialize, list_projects
    const first = await connectClient(gw.url, tokenA);
    const listed = await first.call('list_projects');
    assert.equal(listed.isError, undefined);
    assert.match(textOf(listed), /linkedin/);
    const firstSession = first.transport.sessionId;
    await first.close();

    // 08:27:17 session 2 (new session id): select linkedin
    const second = await connectClient(gw.url, tokenA);
    assert.notEqual(second.transport.sessionId, firstSession);
    const selected = await second.call('select_project_for_session', { project_name: 'linkedin' });
    assert.equal(selected.structuredContent?.project, 'linkedin');
    const workSession = (selected.structuredContent?.workSession as { id: string }).id;
    await second.close();

    // Meanwhile client B, same tenant, selects innkeeper and locks contexts.
    const b = await connectClient(gw.url, tokenB);
    await b.call('select_project_for_session', { project_name: 'innkeeper' });
    const lockedByB = await b.call('lock_context', { topic: 'rooms', content: 'Innkeeper has 12 rooms.' });
    assert.equal(lockedByB.structuredContent?.project, 'innkeeper');

    // 08:27:35 session 3 (another new session id): get_last_handover and explore_context_tree work on linkedin.
    const third = await connectClient(gw.url, tokenA);
    const handover = await third.call('get_last_handover');
    assert.notEqual(handover.isError, true, textOf(handover));
    assert.equal(handover.structuredContent?.project, 'linkedin');
    const tree = await third.call('explore_context_tree');
    assert.notEqual(tree.isError, true, textOf(tree));
    assert.equal(tree.structuredContent?.project, 'linkedin');
    // The same work session continues: a reconnect changes nothing.
    assert.equal((tree.structuredContent?.workSession as { id: string }).id, workSession);

    // A's next calls stay on linkedin even though B was the last to select a project.
    const lockedByA = await third.call('lock_context', { topic: 'profile', content: 'Headline: staff engineer.' });
    assert.equal(lockedByA.structuredContent?.project, 'linkedin');
    await b.call('lock_context', { topic: 'breakfast', content: 'Breakfast from 7 to 10.' });
    const recalled = await third.call('recall_context', { topic: 'profile' });
    assert.equal(recalled.structuredContent?.project, 'linkedin');
    const foreign = await third.call('recall_context', { topic: 'rooms' });
    assert.equal(foreign.isError, true, 'A must not see innkeeper rows');
    await third.close();
    await b.close();

    const rows = gw.gateway.services.db.prepare('SELECT project_name AS project, label FROM contexts ORDER BY label').all() as {
      project: string;
      label: string;
    }[];
    assert.deepEqual(rows, [
      { project: 'innkeeper', label: 'breakfast' },
      { project: 'linkedin', label: 'profile' },
      { project: 'innkeeper', label: 'rooms' },
    ]);
  });

  it('keeps the project and work session across a gateway restart with a stale session id', async () => {
    const token = gw.addClient('Cursor', { kind: 'cursor' }).token;
    const before = await connectClient(gw.url, token);
    const selected = await before.call('select_project_for_session', { project_name: 'innkeeper' });
    const workSession = (selected.structuredContent?.workSession as { id: string }).id;
    const staleSessionId = before.transport.sessionId!;

    const dataDir = gw.dataDir;
    const clock = gw.clock;
    await gw.stop();
    gw = await startTestGateway({ dataDir, clock });

    // The client keeps sending its old Mcp-Session-Id and never re-initializes.
    const resumed = await connectClient(gw.url, token, { sessionId: staleSessionId });
    const status = await resumed.call('session_status');
    assert.notEqual(status.isError, true, textOf(status));
    assert.equal(status.structuredContent?.project, 'innkeeper');
    assert.equal((status.structuredContent?.workSession as { id: string }).id, workSession);
    assert.equal(resumed.transport.sessionId, staleSessionId);
    await resumed.close();
  });
});
