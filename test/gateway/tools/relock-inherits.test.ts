// Issue 15.4: a new version of a context keeps the latest version's priority and tags unless the
// call gives them, so a re-locked always_check rule is still checked.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectClient, startTestGateway, textOf, type ConnectedClient, type TestGateway } from '../../helpers/gateway-harness.ts';

describe('re-locking a context', () => {
  let gw: TestGateway;
  let c: ConnectedClient;
  const heading = (result: { structuredContent?: Record<string, unknown> }) =>
    result.structuredContent?.context as { version: number; priority: string; tags: string[] };

  before(async () => {
    gw = await startTestGateway();
    c = await connectClient(gw.url, gw.addClient('writer', { project: 'rules' }).token);
  });
  after(async () => {
    await c.close();
    await gw.stop({ remove: true });
  });

  it('lock_context without priority or tags keeps the rule an always_check rule with its tags', async () => {
    await c.call('lock_context', { topic: 'api/auth', content: 'Tokens live in the vault.', priority: 'always_check', tags: ['security', 'deploy'] });
    const v2 = await c.call('lock_context', { topic: 'api/auth', content: 'Tokens live in the vault; rotate them monthly.' });
    assert.deepEqual(heading(v2), { ...heading(v2), version: 2, priority: 'always_check', tags: ['security', 'deploy'] });
    const check = await c.call('check_contexts', { action: 'deploy the api with new auth tokens' });
    assert.deepEqual(
      (check.structuredContent?.applicable as { label: string; version: number }[]).map((r) => [r.label, r.version]),
      [['api/auth', 2]],
    );
    assert.match(textOf(check), /api\/auth v2 \(always_check\) \[security, deploy\]/);
  });

  it('given priority or tags still win; [] clears the tags; a new topic starts as reference without tags', async () => {
    const v3 = await c.call('lock_context', { topic: 'api/auth', content: 'Tokens live in the vault; rotate weekly.', priority: 'important', tags: [] });
    assert.deepEqual([heading(v3).priority, heading(v3).tags], ['important', []]);
    const fresh = await c.call('lock_context', { topic: 'notes', content: 'Plain.' });
    assert.deepEqual([heading(fresh).priority, heading(fresh).tags], ['reference', []]);
  });

  it('batch_lock_contexts inherits per item too', async () => {
    await c.call('lock_context', { topic: 'deploy/freeze', content: 'No deploys on Friday.', priority: 'always_check', tags: 'deploy' });
    const batch = await c.call('batch_lock_contexts', {
      contexts: [
        { topic: 'deploy/freeze', content: 'No deploys on Friday or before a holiday.' },
        { topic: 'deploy/new', content: 'Canary first.' },
      ],
    });
    const items = batch.structuredContent?.contexts as { label: string; version: number; priority: string; tags: string[] }[];
    assert.deepEqual(
      items.map((i) => [i.label, i.version, i.priority, i.tags]),
      [
        ['deploy/freeze', 2, 'always_check', ['deploy']],
        ['deploy/new', 1, 'reference', []],
      ],
    );
  });

  it('locking the same text again without priority or tags changes nothing', async () => {
    const again = await c.call('lock_context', { topic: 'deploy/freeze', content: 'No deploys on Friday or before a holiday.' });
    assert.equal(again.structuredContent?.created, false);
  });
});
