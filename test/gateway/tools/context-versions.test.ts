// Versioned contexts: UNIQUE(project, label, version), integer versions, latest = highest live one,
// unlock archives (restorable), always_check needs force, batches are atomic.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectClient, startTestGateway, textOf, type ConnectedClient, type TestGateway } from '../../helpers/gateway-harness.ts';

describe('context versions', () => {
  let gw: TestGateway;
  let c: ConnectedClient;
  const count = (table: string) => gw.gateway.services.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

  before(async () => {
    gw = await startTestGateway();
    c = await connectClient(gw.url, gw.addClient('writer', { project: 'versions' }).token);
  });
  after(async () => {
    await c.close();
    await gw.stop({ remove: true });
  });

  it('numbers versions 1, 2, 3 and recalls the latest or a given one', async () => {
    for (const text of ['first draft', 'second draft', 'third draft']) await c.call('lock_context', { topic: 'spec', content: text });
    const latest = await c.call('recall_context', { topic: 'spec' });
    assert.equal((latest.structuredContent?.context as { version: number }).version, 3);
    assert.match(textOf(latest), /third draft/);
    assert.deepEqual(latest.structuredContent?.versions, [3, 2, 1]);
    const second = await c.call('recall_context', { topic: 'spec', version: '2' });
    assert.match(textOf(second), /second draft/);
    const missing = await c.call('recall_context', { topic: 'spec', version: 9 });
    assert.equal(missing.isError, true);
    assert.match(textOf(missing), /no version 9.*live versions 3, 2, 1/s);
  });

  it('does not make a new version for identical content, priority and tags', async () => {
    const again = await c.call('lock_context', { topic: 'spec', content: 'third draft' });
    assert.equal(again.structuredContent?.created, false);
    assert.equal(count("contexts WHERE label = 'spec'"), 3);
  });

  it('enforces UNIQUE(project, label, version) in the store', () => {
    assert.throws(
      () =>
        gw.gateway.services.db
          .prepare(
            "INSERT INTO contexts (id, project_name, label, version, content, priority, tags, content_hash, created_at) VALUES ('dup', 'versions', 'spec', 3, 'x', 'reference', '[]', 'h', 0)",
          )
          .run(),
      /UNIQUE constraint failed/,
    );
  });

  it('archives on unlock, keeps it out of search, restores it, and never reuses a version number', async () => {
    const unlocked = await c.call('unlock_context', { topic: 'spec', version: 'latest' });
    assert.match(textOf(unlocked), /Archived spec version 3\. The latest live version is now v2\./);
    const search = await c.call('search_contexts', { query: 'third' });
    assert.equal((search.structuredContent?.results as unknown[]).length, 0);
    assert.equal(count("archived_contexts WHERE label = 'spec'"), 1);

    const next = await c.call('lock_context', { topic: 'spec', content: 'fourth draft' });
    assert.equal((next.structuredContent?.context as { version: number }).version, 4);

    await c.call('unlock_context', { topic: 'spec', version: 4 });
    const restored = await c.call('restore_context', { topic: 'spec', version: 'all' });
    assert.notEqual(restored.isError, true, textOf(restored));
    const latest = await c.call('recall_context', { topic: 'spec' });
    assert.equal((latest.structuredContent?.context as { version: number }).version, 4);
    const found = await c.call('search_contexts', { query: 'fourth' });
    assert.equal((found.structuredContent?.results as { version: number }[])[0]?.version, 4);
    const oldText = await c.call('search_contexts', { query: 'third' });
    assert.equal((oldText.structuredContent?.results as unknown[]).length, 0, 'only the latest version is searchable');
  });

  it('requires force to archive always_check rules', async () => {
    await c.call('lock_context', { topic: 'rules/deploy', content: 'Never deploy on Friday.', priority: 'always_check' });
    const refused = await c.call('unlock_context', { topic: 'rules/deploy' });
    assert.equal(refused.isError, true);
    assert.match(textOf(refused), /FORCE_REQUIRED.*always_check.*nothing was archived.*force: true/s);
    assert.equal(count("contexts WHERE label = 'rules/deploy'"), 1);
    const forced = await c.call('unlock_context', { topic: 'rules/deploy', force: true });
    assert.notEqual(forced.isError, true);
    assert.equal(count("contexts WHERE label = 'rules/deploy'"), 0);
  });

  it('locks a batch atomically: one bad item and nothing is saved', async () => {
    const before = count('contexts');
    const bad = await c.call('batch_lock_contexts', {
      contexts: [
        { topic: 'batch/a', content: 'fine' },
        { topic: 'batch/b', content: 'fine too' },
        { topic: 'batch/c', content: '   ' },
      ],
    });
    assert.equal(bad.isError, true);
    assert.match(textOf(bad), /contexts\[2\] \("batch\/c"\).*Nothing in the batch was saved/s);
    assert.equal(count('contexts'), before);

    const good = await c.call('batch_lock_contexts', {
      contexts: [
        { topic: 'batch/a', content: 'fine', tags: ['x'] },
        { topic: 'batch/b', content: 'fine too', priority: 'important' },
      ],
    });
    assert.notEqual(good.isError, true, textOf(good));
    assert.equal(count('contexts'), before + 2);
    const recalled = await c.call('batch_recall_contexts', { topics: 'batch/a, batch/b, batch/zzz' });
    assert.deepEqual(recalled.structuredContent?.missing, ['batch/zzz']);
    assert.equal((recalled.structuredContent?.contexts as unknown[]).length, 2);
  });

  it('updates a context from its latest version, changing only what is passed', async () => {
    await c.call('lock_context', { topic: 'notes/meeting', content: 'Agenda', priority: 'important', tags: 'team' });
    const updated = await c.call('update_context', { topic: 'notes/meeting', append: 'Decided: weekly.' });
    const context = updated.structuredContent?.context as { version: number; priority: string; tags: string[] };
    assert.deepEqual([context.version, context.priority, context.tags], [2, 'important', ['team']]);
    const recalled = await c.call('recall_context', { topic: 'notes/meeting' });
    assert.match(textOf(recalled), /Agenda\nDecided: weekly\./);
  });
});
