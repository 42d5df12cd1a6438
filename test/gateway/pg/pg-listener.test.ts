import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ManualTimers } from '../../../src/gateway/clock.ts';
import type { Logger } from '../../../src/gateway/logger.ts';
import { Backoff } from '../../../src/gateway/pg/backoff.ts';
import { PgListener } from '../../../src/gateway/pg/pg-listener.ts';
import { parsePgTarget } from '../../../src/gateway/pg/pg-target.ts';
import { disposeSharedPostgres, FlakyLink, sharedPostgres, type SharedPostgres } from '../../helpers/postgres.ts';

const PROBE_MS = 30_000;
/** Backoff whose random part is fixed: the first retry waits exactly a tenth of 100 ms. */
const RETRY_MS = 10;

/** Timers that also tell when a new one was set (a reconnect attempt ended and scheduled the next). */
class WatchedTimers extends ManualTimers {
  private waiting: (() => void) | undefined;
  override after(ms: number, run: () => void): () => void {
    const cancel = super.after(ms, run);
    const wake = this.waiting;
    this.waiting = undefined;
    wake?.();
    return cancel;
  }
  nextTimer(): Promise<void> {
    return new Promise((resolve) => (this.waiting = resolve));
  }
}

/** What the listener did, as events a test can wait for in order. */
class Recorder {
  readonly warnings: string[] = [];
  readonly infos: string[] = [];
  private readonly events: string[] = [];
  private waiter: { match: (event: string) => boolean; resolve: () => void } | undefined;
  readonly logger: Logger = {
    info: (message) => this.infos.push(message),
    warn: (message) => this.warnings.push(message),
    error: (message) => this.warnings.push(message),
  };

  push(event: string): void {
    this.events.push(event);
    if (this.waiter?.match(event)) {
      const { resolve } = this.waiter;
      this.waiter = undefined;
      resolve();
    }
  }

  /** Resolves when `event` happens (or has happened since the last wait). */
  next(event: string): Promise<void> {
    const index = this.events.indexOf(event);
    if (index >= 0) {
      this.events.splice(0, index + 1);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiter = {
        match: (e) => e === event,
        resolve: () => {
          this.events.splice(0, this.events.indexOf(event) + 1);
          resolve();
        },
      };
    });
  }
}

describe('one LISTEN connection that stays up', () => {
  let shared: SharedPostgres;
  let database: string;
  before(async () => {
    shared = await sharedPostgres();
    database = await shared.createDatabase('listener');
  });
  after(() => disposeSharedPostgres());

  async function listenerThrough(link: FlakyLink, recorder: Recorder, timers: ManualTimers, applicationName: string): Promise<PgListener> {
    const url = shared.url(database).replace(`:${shared.port}/`, `:${link.port}/`);
    const listener = new PgListener({
      target: parsePgTarget(url, 'the test URL', undefined, process.cwd()),
      limits: { poolMax: 1, statementTimeoutMs: 5_000, connectTimeoutMs: 5_000, applicationName },
      channel: 'listener_test',
      name: 'test listener',
      onNotification: (payload) => recorder.push(`notified ${payload}`),
      onListening: (listening) => recorder.push(listening ? 'listening' : 'deaf'),
      probeEveryMs: PROBE_MS,
      logger: recorder.logger,
      backoff: new Backoff(100, 1_000, () => 0),
      timers,
    });
    await listener.start();
    return listener;
  }

  const notify = (payload: string) => shared.query(database, "SELECT pg_notify('listener_test', $1)", [payload]);

  test('a connection that goes silent is found by the probe, replaced, and hears the next NOTIFY', { timeout: 60_000 }, async () => {
    const link = new FlakyLink(shared.port);
    await link.up();
    const recorder = new Recorder();
    const timers = new WatchedTimers();
    const listener = await listenerThrough(link, recorder, timers, `listener-${randomUUID()}`);
    try {
      await recorder.next('listening');
      await notify('before');
      await recorder.next('notified before');

      link.stall();
      timers.advance(PROBE_MS); // the probe goes out and gets no answer
      assert.equal(listener.listening, true, 'one unanswered probe is not yet an outage');
      timers.advance(PROBE_MS); // still no answer by the next probe: the connection is dead
      await recorder.next('deaf');
      assert.equal(listener.listening, false);
      assert.equal(recorder.warnings.length, 1, 'the outage is reported');

      timers.advance(RETRY_MS); // the backoff's delay: a new connection
      await recorder.next('listening');
      await notify('after');
      await recorder.next('notified after');
      assert.deepEqual(recorder.warnings.length, 1);
      assert.deepEqual(recorder.infos, ['test listener: listening again']);
    } finally {
      await listener.stop();
      await link.down();
    }
  });

  test('a connection the server ends is replaced; an outage of several failed attempts is reported once', { timeout: 60_000 }, async () => {
    const link = new FlakyLink(shared.port);
    await link.up();
    const recorder = new Recorder();
    const timers = new WatchedTimers();
    const applicationName = `listener-${randomUUID()}`;
    const listener = await listenerThrough(link, recorder, timers, applicationName);
    try {
      await recorder.next('listening');

      await link.down(); // new connections are refused until it is up again
      const scheduled = timers.nextTimer();
      await shared.query(database, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
      await recorder.next('deaf');
      await scheduled;
      for (let attempt = 0; attempt < 3; attempt++) {
        const retried = timers.nextTimer();
        timers.advance(1_000); // at most the backoff's ceiling
        await retried; // the attempt failed and the next one is scheduled
      }
      assert.equal(listener.listening, false);
      assert.equal(recorder.warnings.length, 1, `one warning for the whole outage, got: ${recorder.warnings.join(' | ')}`);

      await link.up();
      timers.advance(1_000);
      await recorder.next('listening');
      await notify('back');
      await recorder.next('notified back');
      assert.equal(recorder.warnings.length, 1);
      assert.deepEqual(recorder.infos, ['test listener: listening again']);
    } finally {
      await listener.stop();
      await link.down();
    }
  });
});
