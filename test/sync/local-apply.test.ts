import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/gateway/clock.ts';
import { sha256Hex } from '../../src/gateway/secrets.ts';
import { createServices, type Services } from '../../src/gateway/services.ts';
import { openDatabase } from '../../src/gateway/store/database.ts';
import { LocalApply } from '../../src/gateway/sync/local-apply.ts';
import type { PulledChanges, PulledContext } from '../../src/gateway/sync/pull.ts';
import { storedSyncStatus } from '../../src/gateway/store/sync-status.ts';
import { tempDir } from '../helpers/gateway-harness.ts';

const OTHER_MACHINE = '00000000-0000-4000-8000-00000000000b';
const ME = '00000000-0000-4000-8000-00000000000a';
const actor = { clientId: '00000000-0000-4000-8000-0000000000c1', sessionId: '00000000-0000-4000-8000-0000000000d1' };

function machine(): { services: Services; apply: LocalApply; clock: ManualClock } {
  const clock = new ManualClock();
  const services = createServices(openDatabase(join(tempDir('dementia-apply-'), 'dementia.sqlite'), clock), clock, 120);
  return { services, apply: new LocalApply(services, ME), clock };
}

function changes(parts: Partial<PulledChanges>): PulledChanges {
  return {
    cursor: '1',
    more: false,
    changes: 1,
    projects: [],
    contexts: [],
    tombstones: [],
    sessions: [],
    handovers: [],
    notes: [],
    conflicts: [],
    remoteClients: [],
    ...parts,
  };
}

function remoteContext(project: string, label: string, version: number, content: string, origin = OTHER_MACHINE): PulledContext {
  return {
    id: crypto.randomUUID(),
    project,
    label,
    version,
    content,
    priority: 'reference',
    tags: ['remote'],
    contentHash: sha256Hex(content),
    createdAt: Date.UTC(2026, 0, 5),
    clientId: null,
    sessionId: null,
    origin,
    archivedAt: null,
    archivedBy: null,
    archivedIn: null,
  };
}

const lock = (services: Services, label: string, content: string) =>
  services.db.transaction(() => services.contexts.lock('alpha', label, content, 'reference', [], actor))().context;

describe('applying pulled changes locally (invariant 6: concurrent edits keep both sides)', () => {
  it('a pulled version in the way of an unpushed local one: both kept, the local one moves up, conflict recorded', () => {
    const { services, apply } = machine();
    services.projects.create('alpha');
    lock(services, 'rules', 'v1 shared');
    services.outbox.acknowledge(Number.MAX_SAFE_INTEGER); // v1 was pushed
    const mine2 = lock(services, 'rules', 'my second text about kittens');
    const mine3 = lock(services, 'rules', 'my third text about kittens');
    const theirs = remoteContext('alpha', 'rules', 2, 'their second text about puppies');

    const found = services.db.transaction(() => apply.applyPulled(changes({ contexts: [theirs] })))();

    assert.equal(found, 1);
    assert.equal(services.contexts.get('alpha', 'rules', 2)?.content, theirs.content);
    assert.equal(services.contexts.get('alpha', 'rules', 3)?.id, mine2.id);
    assert.equal(services.contexts.get('alpha', 'rules', 4)?.id, mine3.id);
    assert.equal(services.contexts.get('alpha', 'rules')?.id, mine3.id, "this machine's newest text stays the latest");
    // The full-text index holds the latest version only, so it finds the latest text at once.
    assert.deepEqual(
      services.search.search('alpha', 'kittens', {}, 10).hits.map((h) => h.version),
      [4],
    );
    assert.deepEqual(services.search.search('alpha', 'puppies', {}, 10).hits, []);
    const conflicts = storedSyncStatus(services.db, services.outbox).conflicts;
    assert.equal(conflicts.length, 1);
    assert.match(conflicts[0]!.detail, /version 2 of "rules".*now v3/);
    assert.ok(
      services.outbox.peek(100).some((entry) => entry.entity === 'conflict'),
      'the conflict goes to Postgres for the other machine',
    );
    assert.equal(services.outbox.peek(100).filter((entry) => entry.entity === 'context').length, 2, 'pulled rows are not echoed');
  });

  it("the server renumbering this machine's row moves its later unpushed rows along", () => {
    const { services, apply } = machine();
    services.projects.create('alpha');
    const first = lock(services, 'spec', 'one');
    const second = lock(services, 'spec', 'two');
    services.db.transaction(() => apply.applyPushResult({ renumbered: [{ id: first.id, project: 'alpha', label: 'spec', version: 2 }], conflicts: [] }))();
    assert.equal(services.contexts.get('alpha', 'spec', 2)?.id, first.id);
    assert.equal(services.contexts.get('alpha', 'spec', 3)?.id, second.id);
    assert.equal(services.contexts.get('alpha', 'spec', 1), undefined);
    assert.equal(services.contexts.get('alpha', 'spec')?.id, second.id);
  });

  it('tombstones archive and restore; a pending local change of the same row wins', () => {
    const { services, apply } = machine();
    services.projects.create('alpha');
    const v1 = lock(services, 'doc', 'first words');
    const v2 = lock(services, 'doc', 'second words');
    services.outbox.acknowledge(Number.MAX_SAFE_INTEGER);
    const tombstone = { id: v2.id, project: 'alpha', label: 'doc', archivedAt: 1, archivedBy: null, archivedIn: null, restored: false };
    services.db.transaction(() => apply.applyPulled(changes({ tombstones: [tombstone] })))();
    assert.equal(services.contexts.get('alpha', 'doc')?.id, v1.id, 'the archived version is gone from the live versions');
    assert.deepEqual(services.search.search('alpha', 'second', {}, 10).hits, []);
    assert.equal(services.contexts.archivedVersions('alpha', 'doc')[0]?.id, v2.id);

    // This machine restores it and has not pushed that yet: an older archive from elsewhere does not undo it.
    services.db.transaction(() => services.contexts.restore('alpha', 'doc', 2))();
    services.db.transaction(() => apply.applyPulled(changes({ tombstones: [tombstone] })))();
    assert.equal(services.contexts.get('alpha', 'doc')?.id, v2.id);
    services.outbox.acknowledge(Number.MAX_SAFE_INTEGER);
    services.db.transaction(() => apply.applyPulled(changes({ tombstones: [{ ...tombstone, restored: true }] })))();
    assert.equal(services.contexts.get('alpha', 'doc')?.id, v2.id);
  });

  it('pulled work sessions are visible but never swept into handovers here', async () => {
    const { services, apply, clock } = machine();
    const session = {
      id: crypto.randomUUID(),
      project: 'alpha',
      clientId: crypto.randomUUID(),
      clientName: 'Claude Code on the laptop',
      instanceKey: '',
      startedAt: clock.now(),
      lastActivityAt: clock.now(),
      callCount: 3,
      lastTool: 'lock_context',
      endedAt: null,
      endReason: null,
      origin: OTHER_MACHINE,
    };
    services.db.transaction(() => apply.applyPulled(changes({ sessions: [session] })))();
    assert.equal(services.sessions.byId(session.id)?.clientName, 'Claude Code on the laptop');
    assert.ok(services.projects.exists('alpha'), 'the project a pulled row needs is created');
    clock.advanceMinutes(600);
    assert.deepEqual(await services.workSessions.sweep(services.memory), []);
    assert.equal(services.outbox.peek(10).length, 0, 'nothing pulled is echoed');
  });

  it('a pulled project delete removes the project; a pending local re-create wins', () => {
    const { services, apply } = machine();
    services.projects.create('alpha');
    lock(services, 'x', 'text');
    services.outbox.acknowledge(Number.MAX_SAFE_INTEGER);
    const deleted = { name: 'alpha', description: '', createdAt: 1, deleted: true, secretPolicy: 'refuse' as const };
    services.db.transaction(() => apply.applyPulled(changes({ projects: [deleted] })))();
    assert.equal(services.projects.exists('alpha'), false);
    assert.equal(services.outbox.pending(), 0);

    services.projects.create('alpha');
    services.db.transaction(() => apply.applyPulled(changes({ projects: [deleted] })))();
    assert.equal(services.projects.exists('alpha'), true);
  });
});
