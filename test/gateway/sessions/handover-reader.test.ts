// Issue 15.7: "End session now" must not hide the real handover. The model ends its session with a
// summary and next steps; minutes later a read starts a new session and the user ends that one from
// the app. Readers (get_last_handover, `dementia handover show`, the status window) still get the
// model's handover, with the later one listed after it; the action says what it wrote.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cli } from '../../clients/processes.ts';
import { adminAuth } from '../../helpers/admin-auth.ts';
import { connectClient, startTestGateway, textOf, type ConnectedClient, type TestGateway } from '../../helpers/gateway-harness.ts';

interface StatusHandover {
  id: string;
  project: string;
  endReason: string;
  recordsWork: boolean;
  forReader: boolean;
}

describe('the handover a reader gets', () => {
  let gw: TestGateway;
  let code: ConnectedClient;
  let desktop: ConnectedClient;
  let codeId: string;
  // An admin session lasts minutes of the gateway's clock, which these tests move: one per request.
  const endFromApp = async (clientId: string) => {
    const response = await fetch(`${gw.gateway.baseUrl}/api/clients/${clientId}/end-session`, {
      method: 'POST',
      headers: { ...(await adminAuth(gw.gateway)), 'content-type': 'application/json' },
      body: '{}',
    });
    return (await response.json()) as { ended: number; message: string };
  };
  const statusHandovers = async () =>
    ((await (await fetch(`${gw.gateway.baseUrl}/api/status`, { headers: await adminAuth(gw.gateway) })).json()) as { handovers: StatusHandover[] }).handovers;

  before(async () => {
    gw = await startTestGateway();
    gw.gateway.services.projects.create('webshop');
    const added = gw.addClient('Claude Code', { kind: 'claude-code' });
    codeId = added.id;
    code = await connectClient(gw.url, added.token);
    desktop = await connectClient(gw.url, gw.addClient('Claude Desktop', { kind: 'claude-desktop' }).token);
    await code.call('select_project_for_session', { project_name: 'webshop' });
    await code.call('lock_context', { topic: 'checkout', content: 'Stripe, no stored cards.', priority: 'important' });
    await code.call('end_session', { summary: 'Checkout is done.', next_steps: ['Add refunds', 'Email receipts'] });
    gw.clock.advanceMinutes(4);
    await code.call('recall_context', { topic: 'checkout' });
    gw.clock.advanceMinutes(1);
  });
  after(async () => {
    await code.close();
    await desktop.close();
    await gw.stop({ remove: true });
  });

  it('"End session now" right after the model\'s end_session says what it wrote and which handover is read next', async () => {
    const ended = await endFromApp(codeId);
    assert.equal(ended.ended, 1);
    assert.equal(
      ended.message,
      "Ended Claude Code's session on webshop and wrote its handover: 1 tool call, no work recorded (only reads). " +
        "The next session on it still reads Claude Code's handover ended by the model at 2026-01-05 09:00 UTC (3 tool calls: 1 context locked, the model's summary and next steps).",
    );
  });

  it("get_last_handover returns the model's handover and lists the later one after it", async () => {
    const result = await desktop.call('get_last_handover', { project: 'webshop' });
    const text = textOf(result);
    assert.match(text, /Summary from the model:\nCheckout is done\.\n\nNext steps:\n- Add refunds\n- Email receipts/);
    assert.match(
      text,
      /Since then 1 session ended without recording work \(no changes, notes or summary\): Claude Code, ended by the user in the desktop app at 2026-01-05 09:05 UTC, 1 tool call\.$/,
    );
    assert.equal((result.structuredContent?.handover as { endReason: string }).endReason, 'ended');
    assert.deepEqual(
      (result.structuredContent?.laterWithoutWork as { endReason: string }[]).map((h) => h.endReason),
      ['ended_by_user'],
    );
    // The other mentions of "the last handover" agree with it.
    assert.match(textOf(await desktop.call('get_project_info', { project: 'webshop' })), /the last from Claude Code at 2026-01-05T09:00:00\.000Z/);
  });

  it('dementia handover show prints the same handover', async () => {
    const shown = await cli(['handover', 'show', '--project', 'webshop'], { DEMENTIA_DATA_DIR: gw.dataDir, DEMENTIA_PORT: String(gw.gateway.port) });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(
      shown.stdout,
      /^Last handover of project "webshop" \(Dementia Companion\): Claude Code, ended 2026-01-05T09:00:00\.000Z \(ended\)\.\n[\s\S]*Checkout is done\.[\s\S]*Since then 1 session ended without recording work/,
    );
  });

  it("the status window marks the model's handover as the one read next, and the stub as without work", async () => {
    const handovers = (await statusHandovers()).filter((h) => h.project === 'webshop');
    assert.deepEqual(
      handovers.map((h) => [h.endReason, h.recordsWork, h.forReader]),
      [
        ['ended_by_user', false, false],
        ['ended', true, true],
      ],
    );
  });

  it('a later session that did work is read next, even when the user ended it', async () => {
    gw.clock.advanceMinutes(10);
    await code.call('add_note', { kind: 'decision', text: 'Refunds go through Stripe too.' });
    const ended = await endFromApp(codeId);
    assert.match(ended.message, /wrote its handover: 1 tool call: 1 decision\. The next session on it reads this handover\.$/);
    const result = await desktop.call('get_last_handover', { project: 'webshop' });
    assert.match(textOf(result), /Refunds go through Stripe too\./);
    assert.equal((result.structuredContent?.handover as { endReason: string }).endReason, 'ended_by_user');
    assert.deepEqual(result.structuredContent?.laterWithoutWork, []);
  });
});
