// Duplicates caught where they start, and a lean memory: a lock that nearly repeats another topic
// says so (and still saves); the dashboard shows near-duplicates, the largest contexts and what
// nobody read in a long time, each with the call that tidies it; check_contexts shows duplicate rules.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectClient, startTestGateway, textOf, type TestGateway } from '../../helpers/gateway-harness.ts';

const RULE =
  'Deploys happen only from the main branch after CI passes, never on Fridays, and always with a rollback plan written in the ticket before anyone presses the button.';
const RULE_AGAIN =
  'Deploys happen only from the main branch after CI passes, never on Fridays, and always with a rollback plan written in the ticket before anyone presses the big button.';

describe('near-duplicate contexts', () => {
  let gw: TestGateway;
  let c: Awaited<ReturnType<typeof connectClient>>;

  before(async () => {
    gw = await startTestGateway();
    gw.gateway.services.projects.create('webshop');
    c = await connectClient(gw.url, gw.addClient('Claude Code', { kind: 'claude-code' }).token);
    await c.call('select_project_for_session', { project_name: 'webshop' });
  });
  after(async () => {
    await c.close();
    await gw.stop({ remove: true });
  });

  it('a lock that nearly repeats another topic says which one and how similar, and is saved anyway', async () => {
    const first = await c.call('lock_context', { topic: 'deploy/rules', content: RULE, priority: 'always_check' });
    assert.equal(first.structuredContent?.similar, undefined, 'nothing to repeat yet');
    const again = await c.call('lock_context', { topic: 'release/checklist', content: RULE_AGAIN, priority: 'always_check' });
    assert.match(
      textOf(again),
      /\n\nLocked release\/checklist v1 \(always_check\)\.\nVery similar to `deploy\/rules` v1 \(\d\d%\): update that one instead\? \(update_context topic="deploy\/rules", then unlock_context this one\.\) Saved anyway\.$/,
    );
    const similar = again.structuredContent?.similar as { label: string; version: number; similarity: number }[];
    assert.deepEqual(
      similar.map((s) => [s.label, s.version]),
      [['deploy/rules', 1]],
    );
    assert.ok(similar[0]!.similarity >= 0.8 && similar[0]!.similarity < 1);
    const saved = await c.call('recall_context', { topic: 'release/checklist' });
    assert.equal((saved.structuredContent?.context as { content: string }).content, RULE_AGAIN);
  });

  it('says nothing for unrelated text, for a new version of the same topic, or for an archived topic', async () => {
    const unrelated = await c.call('lock_context', {
      topic: 'api/style',
      content: 'REST with JSON bodies, camelCase field names, and ISO dates everywhere in the public API.',
    });
    assert.equal(unrelated.structuredContent?.similar, undefined);
    assert.doesNotMatch(textOf(unrelated), /similar/i);
    const ownVersion = await c.call('lock_context', {
      topic: 'api/style',
      content: 'REST with JSON bodies, camelCase field names, and ISO dates everywhere in the public API!',
    });
    assert.equal(ownVersion.structuredContent?.similar, undefined, 'its own earlier version is not another topic');
    await c.call('lock_context', {
      topic: 'old/style',
      content: 'Mobile: REST with JSON bodies, snake_case field names, and epoch dates in the mobile API, kept for old apps.',
    });
    await c.call('unlock_context', { topic: 'old/style' });
    const afterArchive = await c.call('lock_context', {
      topic: 'mobile/style',
      content: 'Mobile: REST with JSON bodies, snake_case field names, and epoch dates in the mobile API, kept for old apps!',
    });
    assert.equal(afterArchive.structuredContent?.similar, undefined, 'archived versions are not suggested');
  });

  it('the dashboard lists near-duplicates, the largest contexts and what nobody read in 30 days, with the calls that tidy them', async () => {
    await c.call('lock_context', { topic: 'notes/big', content: 'x '.repeat(3000) + 'the end' });
    gw.clock.advanceMinutes(31 * 24 * 60);
    await c.call('recall_context', { topic: 'api/style' });
    const dashboard = await c.call('context_dashboard');
    const text = textOf(dashboard);
    assert.match(
      text,
      /Near-duplicates \(1\):\n- deploy\/rules v1 ≈ release\/checklist v1 \(\d\d%\): merge with update_context topic="deploy\/rules", then unlock_context topic="release\/checklist"/,
    );
    assert.match(text, /Largest:\n- notes\/big v1: 6007 characters\n/);
    assert.match(text, /Not read in 30\+ days \(4; archive with unlock_context topic="\.\.\."\):\n- deploy\/rules v1: last read never \(locked 31 days ago\)/);
    const data = dashboard.structuredContent as {
      unread: { label: string; lastReadAt: string | null }[];
      nearDuplicates: { a: { label: string }; b: { label: string } }[];
      largest: { label: string }[];
    };
    assert.deepEqual(
      data.unread.map((u) => u.label),
      ['deploy/rules', 'mobile/style', 'notes/big', 'release/checklist'],
      'oldest first, then by label',
    );
    assert.equal(
      data.unread.some((u) => u.label === 'api/style'),
      false,
      'recalled just now',
    );
    assert.deepEqual(
      data.nearDuplicates.map((p) => [p.a.label, p.b.label]),
      [['deploy/rules', 'release/checklist']],
    );
    assert.equal(data.largest[0]!.label, 'notes/big');

    // Read a month ago is "not read in a long time" again, with its last read shown.
    gw.clock.advanceMinutes(31 * 24 * 60);
    const later = await c.call('context_dashboard');
    assert.deepEqual(
      (later.structuredContent as typeof data).unread.find((u) => u.label === 'api/style')?.lastReadAt,
      new Date(gw.clock.now() - 31 * 24 * 60 * 60_000).toISOString(),
    );
  });

  it('check_contexts lists rules that nearly repeat each other; merging them clears the pair', async () => {
    const checked = await c.call('check_contexts', { action: 'deploy the API' });
    assert.match(textOf(checked), /Near-duplicate rules:\n- deploy\/rules v1 ≈ release\/checklist v1 \(\d\d%\)/);
    await c.call('unlock_context', { topic: 'release/checklist', force: true });
    const merged = await c.call('check_contexts', { action: 'deploy the API' });
    assert.doesNotMatch(textOf(merged), /Near-duplicate/);
    assert.deepEqual(merged.structuredContent?.nearDuplicates, []);
  });

  it('a store written before near-duplicate bands gets them when it is opened (migration 6 fills them)', async () => {
    const old = await startTestGateway();
    old.gateway.services.projects.create('shop');
    const writer = await connectClient(old.url, old.addClient('writer').token);
    await writer.call('lock_context', { project: 'shop', topic: 'returns', content: RULE });
    await writer.close();
    // Back to the schema of before: no band tables, migration 6 not applied.
    old.gateway.services.db.exec('DROP TABLE context_bands; DROP TABLE context_reads; DELETE FROM schema_migrations WHERE version = 6;');
    const { dataDir, clock } = old;
    await old.stop();
    const reopened = await startTestGateway({ dataDir, clock });
    try {
      const c2 = await connectClient(reopened.url, reopened.addClient('reader').token);
      const locked = await c2.call('lock_context', { project: 'shop', topic: 'refunds', content: RULE_AGAIN });
      assert.match(textOf(locked), /Very similar to `returns` v1 \(\d\d%\)/);
      await c2.close();
    } finally {
      await reopened.stop({ remove: true });
    }
  });
});
