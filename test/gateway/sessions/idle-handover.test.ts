// Invariants 4 and 5: work sessions are (client, project); after the idle time each becomes exactly one
// handover without any client call, and the next session on the project, from any client, reads it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectClient, startTestGateway, textOf, type TestGateway } from '../../helpers/gateway-harness.ts';

const handoverRows = (gw: TestGateway) =>
  gw.gateway.services.db.prepare('SELECT session_id AS sessionId, ended_at AS endedAt, client_name AS client, end_reason AS reason FROM handovers').all() as {
    sessionId: string;
    endedAt: number;
    client: string;
    reason: string;
  }[];

const sessionIdOf = (result: { structuredContent?: Record<string, unknown> }) => (result.structuredContent?.workSession as { id: string }).id;

describe('idle work sessions become handovers', () => {
  let gw: TestGateway;

  before(async () => {
    gw = await startTestGateway();
    gw.gateway.services.projects.create('linkedin');
  });
  after(() => gw.stop({ remove: true }));

  it('keeps the session open at 119 minutes and finalizes it once, without a call, at 120', async () => {
    const code = await connectClient(gw.url, gw.addClient('Claude Code', { kind: 'claude-code' }).token);
    await code.call('select_project_for_session', { project_name: 'linkedin' });
    await code.call('lock_context', { topic: 'api/auth', content: 'Tokens expire after 1 h.', priority: 'important' });
    await code.call('add_note', { kind: 'decision', text: 'Use refresh tokens.' });
    await code.call('add_note', { kind: 'todo', text: 'Write the migration.' });
    gw.clock.advanceMinutes(119);
    const stillOpen = await code.call('recall_context', { topic: 'api/auth' });
    const sessionId = sessionIdOf(stillOpen);
    await code.call('search_contexts', { query: 'token expiry' });
    const lastCallAt = gw.clock.now();

    gw.clock.advanceMinutes(119);
    assert.deepEqual(await gw.gateway.sweeper.runOnce(), []);
    assert.equal(handoverRows(gw).length, 0);

    gw.clock.advanceMinutes(1);
    const written = await gw.gateway.sweeper.runOnce();
    assert.equal(written.length, 1);
    assert.equal((await gw.gateway.sweeper.runOnce()).length, 0, 'a second sweep writes nothing');
    const rows = handoverRows(gw);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.sessionId, sessionId);
    assert.equal(rows[0]!.endedAt, lastCallAt, 'the end time is the last call, not the sweep');
    assert.equal(rows[0]!.reason, 'idle');

    const content = written[0]!.content;
    assert.deepEqual(content.locked, [{ label: 'api/auth', version: 1, priority: 'important' }]);
    assert.deepEqual(content.recalled, [{ label: 'api/auth', version: 1 }]);
    assert.deepEqual(content.searches, ['token expiry']);
    assert.deepEqual(content.decisions, ['Use refresh tokens.']);
    assert.deepEqual(content.todos, ['Write the migration.']);
    assert.equal(content.durationMinutes, 119);
    await code.close();

    // Another client on the project starts a new session and is told a handover waits.
    const desktop = await connectClient(gw.url, gw.addClient('Claude Desktop', { kind: 'claude-desktop' }).token);
    const first = await desktop.call('select_project_for_session', { project_name: 'linkedin' });
    assert.match(textOf(first), /handover/i);
    const status = await desktop.call('session_status');
    assert.doesNotMatch(textOf(status), /A handover is waiting/, 'announced once per session');
    const handover = await desktop.call('get_last_handover');
    assert.match(textOf(handover), /Handover for project "linkedin" from Claude Code/);
    assert.match(textOf(handover), /api\/auth v1 \(important\)/);
    assert.match(textOf(handover), /Use refresh tokens\./);
    await desktop.close();
  });

  it('finalizes sessions that went idle while the gateway was down, at start-up, with their real end time', async () => {
    const { token } = gw.addClient('Cursor', { kind: 'cursor' });
    const cursor = await connectClient(gw.url, token);
    const result = await cursor.call('lock_context', { topic: 'x', content: 'y', project: 'linkedin' });
    const sessionId = sessionIdOf(result);
    const lastCallAt = gw.clock.now();
    await cursor.close();

    const { dataDir, clock } = gw;
    await gw.stop();
    clock.advanceMinutes(300);
    gw = await startTestGateway({ dataDir, clock });
    const row = handoverRows(gw).find((h) => h.sessionId === sessionId);
    assert.ok(row, 'finalized at start-up without any call');
    assert.equal(row.endedAt, lastCallAt);
  });

  it("ends a session on request with the model's notes, and the next call starts a new one", async () => {
    const c = await connectClient(gw.url, gw.addClient('VS Code', { kind: 'vscode' }).token);
    const first = await c.call('lock_context', { topic: 'plan', content: 'Ship v2', project: 'linkedin' });
    const ended = await c.call('end_session', { summary: 'Planned v2.', next_steps: 'write tests, ship', open_questions: ['Which date?'] });
    assert.match(textOf(ended), /Summary from the model:\nPlanned v2\./);
    assert.match(textOf(ended), /- write tests\n- ship/);
    const next = await c.call('get_last_handover');
    assert.notEqual(sessionIdOf(next), sessionIdOf(first));
    assert.equal((next.structuredContent?.handover as { sessionId: string }).sessionId, sessionIdOf(first));
    await c.close();
  });

  it('finalizes an expired session on the next call even before the sweeper runs', async () => {
    const c = await connectClient(gw.url, gw.addClient('Late').token);
    const first = await c.call('lock_context', { topic: 'late', content: 'a', project: 'linkedin' });
    gw.clock.advanceMinutes(121);
    const second = await c.call('recall_context', { topic: 'late' });
    assert.notEqual(sessionIdOf(second), sessionIdOf(first));
    assert.equal(handoverRows(gw).filter((h) => h.sessionId === sessionIdOf(first)).length, 1);
    const swept = (await gw.gateway.sweeper.runOnce()).map((h) => h.sessionId);
    assert.ok(!swept.includes(sessionIdOf(first)) && !swept.includes(sessionIdOf(second)));
    assert.equal(handoverRows(gw).filter((h) => h.sessionId === sessionIdOf(first)).length, 1);
    await c.close();
  });

  it('keeps what matters: no stopword-only searches, one line per context however many versions were read', async () => {
    const c = await connectClient(gw.url, gw.addClient('Reader').token);
    await c.call('lock_context', { topic: 'style', content: 'snake_case', project: 'linkedin' });
    await c.call('lock_context', { topic: 'style', content: 'camelCase', project: 'linkedin' });
    await c.call('recall_context', { topic: 'style', version: 1 });
    await c.call('recall_context', { topic: 'style' });
    await c.call('recall_context', { topic: 'style', version: 1 });
    await c.call('search_contexts', { query: 'the' });
    await c.call('search_contexts', { query: 'The Of' });
    await c.call('search_contexts', { query: 'the case' });
    const ended = await c.call('end_session', { summary: 'Read the style.' });
    const summary = textOf(ended);
    assert.match(summary, /Contexts recalled:\n- style v1, v2\n/);
    assert.match(summary, /Searches:\n- "the case"$/);
    assert.doesNotMatch(summary, /"the"|"The Of"/);
    await c.close();
  });
});
