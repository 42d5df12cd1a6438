import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ManualTimers } from '../../../src/gateway/clock.ts';
import { silentLogger } from '../../../src/gateway/logger.ts';
import { ProcessChanges } from '../../../src/gateway/hosted/process-changes.ts';
import { Notifications } from '../../../src/gateway/pg/notifications.ts';
import { parsePgTarget } from '../../../src/gateway/pg/pg-target.ts';
import { tenantSchema } from '../../../src/gateway/pg/remote-schema.ts';
import type { ResourceChange } from '../../../src/gateway/resources/resource-changes.ts';
import { disposeSharedPostgres, FlakyLink, sharedPostgres, type SharedPostgres } from '../../helpers/postgres.ts';

const LIMITS = { poolMax: 1, statementTimeoutMs: 5_000, connectTimeoutMs: 5_000 };

describe('hosted processes keep hearing each other', { timeout: 60_000 }, () => {
  let shared: SharedPostgres;
  before(async () => {
    shared = await sharedPostgres();
  });
  after(() => disposeSharedPostgres());

  it('a process whose LISTEN connection went silent notices, reconnects, and hears the next change of another process', async () => {
    const database = await shared.createDatabase('process_changes');
    const link = new FlakyLink(shared.port);
    await link.up();
    const timers = new ManualTimers();
    const heard: ResourceChange[] = [];
    let hear: (() => void) | undefined;
    const targetOf = (port: number) => parsePgTarget(shared.url(database).replace(`:${shared.port}/`, `:${port}/`), 'the test URL', undefined, process.cwd());
    const poolA = new pg.Pool({ connectionString: shared.url(database), max: 1 });
    const poolB = new pg.Pool({ connectionString: shared.url(database), max: 1 });
    const notificationsOf = (pool: pg.Pool) => new Notifications(pool, (error) => assert.fail(String(error)));
    const a = new ProcessChanges({
      notifications: notificationsOf(poolA),
      target: targetOf(shared.port),
      limits: LIMITS,
      apply: async () => {},
      logger: silentLogger,
    });
    const b = new ProcessChanges({
      notifications: notificationsOf(poolB),
      target: targetOf(link.port),
      limits: LIMITS,
      apply: async (change) => {
        heard.push(change);
        hear?.();
      },
      logger: silentLogger,
      timers,
      probeEveryMs: 30_000,
    });
    const nextHeard = () => new Promise<void>((resolve) => (hear = resolve));
    const tenant = tenantSchema('an api key of one tenant');
    try {
      await a.start();
      await b.start();
      assert.equal(b.listening, true);

      link.stall(); // B's connection stays open and hears nothing, and nobody says so
      timers.advance(30_000);
      timers.advance(30_000); // B's probe went unanswered for a whole period
      assert.equal(b.listening, false, 'B knows it is deaf');
      timers.advance(5_000); // the longest reconnect delay
      while (!b.listening) await new Promise<void>((resolve) => setImmediate(resolve));

      const told = nextHeard();
      a.publish({ tenant, project: { name: 'linkedin', uris: ['dementia://projects/linkedin/contexts/plan'] } });
      await told;
      assert.deepEqual(heard, [{ tenant, selection: undefined, project: { name: 'linkedin', uris: ['dementia://projects/linkedin/contexts/plan'] } }]);
    } finally {
      await a.stop();
      await b.stop();
      await link.down();
      await poolA.end();
      await poolB.end();
    }
  });
});
