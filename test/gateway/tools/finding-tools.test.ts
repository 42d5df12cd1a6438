// Finding memory: search, the tree, the dashboard and check_contexts, over real gateway calls.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectClient, startTestGateway, textOf, type ConnectedClient, type TestGateway } from '../../helpers/gateway-harness.ts';

describe('finding tools', () => {
  let gw: TestGateway;
  let c: ConnectedClient;

  before(async () => {
    gw = await startTestGateway();
    c = await connectClient(gw.url, gw.addClient('finder', { project: 'shop' }).token);
    await c.call('batch_lock_contexts', {
      contexts: [
        { topic: 'rules/deploy', content: 'Never deploy to production on Fridays; run the smoke tests first.', priority: 'always_check', tags: 'ops' },
        { topic: 'rules/database', content: 'Every migration needs a rollback script.', priority: 'always_check', tags: 'db' },
        { topic: 'api/payments', content: 'Payments go through Stripe with idempotency keys.', priority: 'important', tags: 'api, payments' },
        { topic: 'api/search', content: 'Product search uses Postgres full-text ranking.', tags: 'api' },
        { topic: 'team', content: 'Alice owns payments, Bob owns search.' },
      ],
    });
    // Another project with similar words must never show up.
    await c.call('create_project', { name: 'other' });
    await c.call('lock_context', { topic: 'api/payments', content: 'Other payments text', project: 'other' });
    await c.call('select_project_for_session', { project_name: 'shop' });
  });
  after(async () => {
    await c.close();
    await gw.stop({ remove: true });
  });

  it('searches case-insensitively with stemming, dropping stopwords, within the project only', async () => {
    const result = await c.call('search_contexts', { query: 'The PAYMENT of the keys' });
    const labels = (result.structuredContent?.results as { label: string }[]).map((r) => r.label);
    assert.equal(labels[0], 'api/payments');
    assert.deepEqual(result.structuredContent?.terms, ['payment', 'keys']);
    assert.equal(labels.length, 1, 'the other project and non-matching contexts are not returned');
  });

  it('falls back to any word when no context has all of them, and filters by priority and tags', async () => {
    const any = await c.call('search_contexts', { query: 'stripe rollback' });
    assert.equal(any.structuredContent?.matched, 'any');
    assert.equal((any.structuredContent?.results as unknown[]).length, 2);
    const filtered = await c.call('search_contexts', { query: 'stripe rollback', priority: 'always_check' });
    assert.deepEqual(
      (filtered.structuredContent?.results as { label: string }[]).map((r) => r.label),
      ['rules/database'],
    );
    const tagged = await c.call('search_contexts', { query: 'search payments', tags: ['api'] });
    assert.ok((tagged.structuredContent?.results as { tags: string[] }[]).every((r) => r.tags.includes('api')));
  });

  it('shows the tree grouped by prefix with versions', async () => {
    await c.call('lock_context', { topic: 'team', content: 'Alice owns payments, Bob owns search, Carol owns deploys.' });
    const tree = await c.call('explore_context_tree');
    assert.match(
      textOf(tree),
      /api\/ \(2\)\n {2}api\/payments v1 \(important\) \[api, payments\], 1 version\n[\s\S]*rules\/ \(2\)[\s\S]*Other topics \(1\)\n {2}team v2 \(reference\), 2 versions/,
    );
    const rulesOnly = await c.call('explore_context_tree', { priority: 'always_check' });
    assert.equal(rulesOnly.structuredContent?.total, 2);
  });

  it('lists the always_check rules that apply to a planned action first, and the others after', async () => {
    const result = await c.call('check_contexts', { action: 'deploy the new checkout to production' });
    const applicable = (result.structuredContent?.applicable as { label: string }[]).map((r) => r.label);
    assert.deepEqual(applicable, ['rules/deploy']);
    assert.deepEqual(
      (result.structuredContent?.otherRules as { label: string }[]).map((r) => r.label),
      ['rules/database'],
    );
    assert.match(textOf(result), /Never deploy to production on Fridays/);
  });

  it('summarizes the project on the dashboard', async () => {
    const result = await c.call('context_dashboard');
    assert.deepEqual(result.structuredContent?.counts, { total: 5, always_check: 2, important: 1, reference: 2 });
    assert.deepEqual(result.structuredContent?.alwaysCheck, ['rules/database', 'rules/deploy']);
    assert.equal((result.structuredContent?.topTags as { tag: string }[])[0]?.tag, 'api');
  });
});
