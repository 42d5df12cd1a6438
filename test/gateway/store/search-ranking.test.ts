// search_contexts ranking and filters, straight on the store: small corpora for ranking, and one
// past the candidate bound (a word in more contexts than are ranked at first) for the filters.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../../src/gateway/clock.ts';
import { createServices, type Services } from '../../../src/gateway/services.ts';
import type { Priority } from '../../../src/gateway/store/context-version.ts';
import { openDatabase, type Db } from '../../../src/gateway/store/database.ts';
import type { SearchFilters } from '../../../src/gateway/store/search.ts';

const actor = { clientId: 'test-client', sessionId: 'test-session' };

function open(): { db: Db; services: Services; clock: ManualClock } {
  const clock = new ManualClock();
  const db = openDatabase(':memory:', clock);
  return { db, services: createServices(db, clock, 120), clock };
}

function lock(s: Services, clock: ManualClock, project: string, label: string, content: string, priority: Priority = 'reference', tags: string[] = []): void {
  clock.advanceMinutes(1);
  s.db.transaction(() => s.contexts.lock(project, label, content, priority, tags, actor))();
}

const labels = (s: Services, project: string, query: string, filters: SearchFilters = {}, limit = 10): string[] =>
  s.search.search(project, query, filters, limit).hits.map((hit) => hit.label);

describe('search ranking on a small corpus', () => {
  const { db, services: s, clock } = open();
  before(() => {
    s.projects.create('shop');
    s.projects.create('other');
    for (let i = 0; i < 30; i++) lock(s, clock, 'shop', `notes/deploy-${i}`, `We deploy the service after review number ${i}.`);
    lock(s, clock, 'shop', 'notes/zoo', 'The quokka exhibit opens after we ship the service.');
    lock(s, clock, 'shop', 'ops/kangaroo', 'Runbook for the on-call rotation.');
    lock(s, clock, 'shop', 'notes/marsupials', 'A kangaroo was mentioned once in a meeting about budgets.');
    lock(s, clock, 'other', 'ops/kangaroo', 'Kangaroo kangaroo kangaroo quokka, in the other project.');
  });
  after(() => db.close());

  it('ranks a rare word above a common one when only some words match', () => {
    const outcome = s.search.search('shop', 'deploy quokka', {}, 5);
    assert.equal(outcome.matched, 'any');
    assert.equal(outcome.hits[0]!.label, 'notes/zoo', 'the only context with the rare word comes first');
  });

  it('weighs a topic above body text, case-insensitively, without stopwords', () => {
    const outcome = s.search.search('shop', 'The KANGAROO of it', {}, 5);
    assert.deepEqual(outcome.terms, ['kangaroo']);
    assert.deepEqual(
      outcome.hits.map((h) => h.label),
      ['ops/kangaroo', 'notes/marsupials'],
    );
    assert.ok(outcome.hits[0]!.score > outcome.hits[1]!.score);
  });

  it('needs all words first, and matches the last word as a prefix', () => {
    assert.equal(s.search.search('shop', 'kangaroo meeting', {}, 5).matched, 'all');
    assert.deepEqual(labels(s, 'shop', 'budgets kanga'), ['notes/marsupials']);
  });

  it("never returns another project's contexts", () => {
    const shop = s.search.search('shop', 'kangaroo quokka', {}, 10);
    assert.equal(shop.matched, 'any', 'only the other project has both words');
    assert.ok(shop.hits.every((h) => !h.snippet.includes('other project')));
    const hits = s.search.search('other', 'kangaroo', {}, 10).hits;
    assert.deepEqual(
      hits.map((h) => h.label),
      ['ops/kangaroo'],
    );
    assert.match(hits[0]!.snippet, /other project/);
  });
});

describe('search past the candidate bound (a word in over a thousand contexts)', () => {
  const { db, services: s, clock } = open();
  before(() => {
    s.projects.create('big');
    s.projects.create('busy');
    // Old contexts first: a topic match, rare priorities and a rare tag, all older than the newest thousand.
    lock(s, clock, 'big', 'deploy/checklist', 'The deploy checklist.', 'important');
    lock(s, clock, 'big', 'rules/freeze', 'Do not deploy during the freeze.', 'always_check', ['ops']);
    lock(s, clock, 'big', 'rules/canary', 'Deploy to the canary first.', 'always_check', ['rare-tag']);
    lock(s, clock, 'big', 'notes/rare-tagged', 'A deploy note with a rare tag.', 'reference', ['rare-tag']);
    s.db.transaction(() => {
      for (let i = 0; i < 1_500; i++) {
        clock.advanceMinutes(1);
        s.contexts.lock(
          'big',
          `notes/n${i}`,
          `Note ${i}: we will deploy the build ${i % 7 === 0 ? 'with the canary' : 'today'}.`,
          'reference',
          i % 3 === 0 ? ['ops'] : [],
          actor,
        );
      }
    })();
    // Then another project writes the newest thousand-odd contexts with the same word.
    s.db.transaction(() => {
      for (let i = 0; i < 1_200; i++) s.contexts.lock('busy', `busy/n${i}`, `Busy project: deploy ${i}.`, 'always_check', ['rare-tag'], actor);
    })();
  });
  after(() => db.close());

  it('returns full pages of relevant results for a very common word', () => {
    const hits = s.search.search('big', 'deploy', {}, 10).hits;
    assert.equal(hits.length, 10);
    assert.ok(hits.every((h) => /deploy/i.test(h.snippet) || h.label.includes('deploy')));
  });

  it('finds old contexts that pass narrow filters, only in the project asked for', () => {
    assert.deepEqual(labels(s, 'big', 'deploy', { priorities: ['always_check'] }).sort(), ['rules/canary', 'rules/freeze']);
    assert.deepEqual(labels(s, 'big', 'deploy', { tags: ['rare-tag'] }).sort(), ['notes/rare-tagged', 'rules/canary']);
    assert.deepEqual(labels(s, 'big', 'deploy', { priorities: ['always_check'], tags: ['rare-tag'] }), ['rules/canary']);
    assert.deepEqual(labels(s, 'big', 'deploy', { priorities: ['important'] }), ['deploy/checklist']);
    assert.ok(labels(s, 'busy', 'deploy', { tags: ['ops'] }).length === 0);
  });

  it('keeps filters exact: a tag matches whole, not by its words', () => {
    assert.deepEqual(labels(s, 'big', 'deploy', { tags: ['rare'] }), []);
    assert.deepEqual(labels(s, 'big', 'deploy', { tags: ['tag'] }), []);
  });

  it('ranks all words together and falls back to any word past the bound too', () => {
    const both = s.search.search('big', 'deploy canary', {}, 50);
    assert.equal(both.matched, 'all');
    assert.ok(both.hits.length > 10);
    assert.ok(both.hits.every((h) => /canary/i.test(h.snippet)));
    const any = s.search.search('big', 'checklist zzzunknown', {}, 5);
    assert.equal(any.matched, 'any');
    assert.deepEqual(
      any.hits.map((h) => h.label),
      ['deploy/checklist'],
    );
  });
});
