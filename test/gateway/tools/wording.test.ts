// Issue 21.11: wording a model notices. With no project at all, session_status points at
// create_project (nothing to select); the resume prompt counts in the singular for one and does not
// send the model to a handover that does not exist.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectClient, startTestGateway, textOf, type ConnectedClient, type TestGateway } from '../../helpers/gateway-harness.ts';

const promptText = (result: { messages: { content: { type: string; text?: string } }[] }) => result.messages.map((m) => m.content.text ?? '').join('\n');

describe('wording', () => {
  let gw: TestGateway;
  let c: ConnectedClient;
  before(async () => {
    gw = await startTestGateway();
    c = await connectClient(gw.url, gw.addClient('Claude Code').token);
  });
  after(async () => {
    await c.close();
    await gw.stop({ remove: true });
  });

  it('session_status with no projects says to create one', async () => {
    const text = textOf(await c.call('session_status'));
    assert.match(text, /Projects: none yet\. Create one with create_project\(name="\.\.\."\)/);
    assert.doesNotMatch(text, /select_project_for_session/);
    await c.call('create_project', { name: 'webshop' });
    assert.match(textOf(await c.call('session_status', {})), /Select one with select_project_for_session/);
  });

  it('resume without a handover: "1 reference context", and no next steps of a handover that is not there', async () => {
    await c.call('lock_context', { project: 'webshop', topic: 'glossary', content: 'SKU: stock keeping unit', priority: 'reference' });
    const text = promptText(await c.client.getPrompt({ name: 'resume', arguments: { project: 'webshop' } }));
    assert.match(text, /None yet: no work session on "webshop" has ended so far/);
    assert.match(text, /- 1 reference context: search_contexts/);
    assert.doesNotMatch(text, /1 reference contexts|handover's next steps/);
  });
});
