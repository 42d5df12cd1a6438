// Issue 15.8: "1 results" reads wrong; a search for "the" must not return everything, since
// stopwords are documented as ignored.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectClient, startTestGateway, textOf, type ConnectedClient, type TestGateway } from '../../helpers/gateway-harness.ts';

describe('result wording', () => {
  let gw: TestGateway;
  let c: ConnectedClient;

  before(async () => {
    gw = await startTestGateway();
    c = await connectClient(gw.url, gw.addClient('writer', { project: 'solo' }).token);
    await c.call('lock_context', { topic: 'deploy/rules', content: 'The release goes out on the first of the month.', priority: 'always_check' });
  });
  after(async () => {
    await c.close();
    await gw.stop({ remove: true });
  });

  it('a query of only stopwords finds nothing and says why', async () => {
    for (const query of ['the', 'The of', 'what is the']) {
      const result = await c.call('search_contexts', { query });
      assert.notEqual(result.isError, true);
      assert.deepEqual(result.structuredContent?.results, [], query);
      assert.match(textOf(result), /Nothing to search for: ".*" has only words that search ignores \(.*the.*\)\. Add a word/, query);
    }
    const real = await c.call('search_contexts', { query: 'the release' });
    assert.deepEqual(real.structuredContent?.terms, ['release']);
    assert.deepEqual(real.structuredContent?.ignored, ['the']);
  });

  it('one of a kind is singular: 1 result, 1 context, 1 project, 1 tool call, 1 always_check rule', async () => {
    assert.match(textOf(await c.call('search_contexts', { query: 'release' })), /\n1 result for "release":/);
    assert.match(textOf(await c.call('explore_context_tree', {})), /\n1 context in "solo":/);
    assert.match(textOf(await c.call('list_projects', {})), /\n1 project \(\* = active for this client\):\n\* solo: 1 context/);
    assert.match(textOf(await c.call('context_dashboard', {})), /Project "solo": 1 context —/);
    assert.match(textOf(await c.call('check_contexts', { action: 'release the app' })), /1 of 1 always_check rule mentions this action/);
    const fresh = await connectClient(gw.url, gw.addClient('reader', { project: 'solo' }).token);
    try {
      assert.match(textOf(await fresh.call('session_status')), /, 1 tool call;/);
      const ended = await fresh.call('end_session', {});
      assert.match(textOf(ended), /\(0 min, 2 tool calls\)/);
    } finally {
      await fresh.close();
    }
  });
});
