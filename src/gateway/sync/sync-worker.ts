import pg from 'pg';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { Services } from '../services.ts';
import { Backoff } from '../pg/backoff.ts';
import { ConflictLog } from '../store/conflict-log.ts';
import { LocalApply } from './local-apply.ts';
import { createPool, type ConnectionLimits } from '../pg/pg-connection.ts';
import { PgListener } from '../pg/pg-listener.ts';
import { pullChanges } from './pull.ts';
import { readPushBatch, type PushBatch } from './push-batch.ts';
import { encodeContexts, pushBatch, type PushResult } from './push.ts';
import { ensureRemoteSchema } from '../pg/remote-schema.ts';
import { targetId, type SyncConfig } from './sync-config.ts';
import { classifyFailure, describeFailure } from '../pg/pg-failure.ts';
import { SyncMeta } from '../store/sync-meta.ts';
import { conflictsOf, type SyncStateName, type SyncStatus } from '../store/sync-status.ts';

export interface SyncTuning extends ConnectionLimits {
  /** Outbox entries per push transaction. */
  batchEntries: number;
  /** Context text per push transaction. */
  batchBytes: number;
  /** Changes per pull; each is applied in one SQLite transaction, short enough not to hold tool calls up. */
  pullLimit: number;
  /** Wait after a local change, so a burst of tool calls becomes one push. */
  pushDelayMs: number;
  /** Safety-net poll while LISTEN is connected. */
  pollMs: number;
  /** Poll while LISTEN is down, to keep "visible elsewhere within 2 s". */
  fallbackPollMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** LISTEN for other machines' changes (off only to measure the polling fallback). */
  listen: boolean;
}

export const DEFAULT_TUNING: SyncTuning = {
  batchEntries: 5_000,
  batchBytes: 8 * 1024 * 1024,
  pullLimit: 1_000,
  pushDelayMs: 150,
  pollMs: 30_000,
  fallbackPollMs: 1_000,
  backoffBaseMs: 500,
  backoffMaxMs: 60_000,
  listen: true,
  poolMax: 2,
  statementTimeoutMs: 15_000,
  connectTimeoutMs: 5_000,
};

export interface SyncWorkerOptions {
  services: Services;
  config: SyncConfig;
  clock: Clock;
  logger: Logger;
  /** Called when anything in status() changed (state, pending, times, conflicts) or pulled rows arrived. */
  onChange?: () => void;
  tuning?: Partial<SyncTuning>;
}

class Stopped extends Error {}

/**
 * Moves the local outbox to the tenant schema and other machines' changes back, in the background:
 * push (set-based upserts by row UUID), then pull (after a server-assigned cursor). Woken by local
 * changes, by LISTEN/NOTIFY from the server, and by a slow poll; retries with exponential backoff and
 * jitter while Postgres is unreachable. Every step is idempotent and the outbox and cursor only move
 * after a commit, so a crash or an outage resumes exactly where it stopped.
 */
export class SyncWorker {
  private readonly services: Services;
  private readonly config: SyncConfig;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly onChange: () => void;
  private readonly tuning: SyncTuning;
  private readonly meta: SyncMeta;
  private readonly conflicts: ConflictLog;
  private readonly backoff: Backoff;
  private readonly machineId: string;
  private readonly apply: LocalApply;
  private readonly pool: pg.Pool;
  /** Other machines' changes, announced by NOTIFY; started once the server first answered. */
  private listener: PgListener | undefined;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private running: Promise<void> | undefined;
  private again = false;
  private schemaReady = false;
  /** A pull is owed: another machine announced a change, or a retry or sync-now asked for one. */
  private pullDue = true;
  private lastPulled = 0;
  private paused = false;
  private stopped = false;
  private state: Exclude<SyncStateName, 'paused' | 'not_configured'> = 'offline';
  private lastError: string | null = null;
  private lastStatus: SyncStatus | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(options: SyncWorkerOptions) {
    this.services = options.services;
    this.config = options.config;
    this.clock = options.clock;
    this.logger = options.logger;
    this.onChange = options.onChange ?? (() => {});
    this.tuning = { ...DEFAULT_TUNING, ...options.tuning };
    this.meta = new SyncMeta(this.services.db);
    this.conflicts = new ConflictLog(this.services.db);
    this.backoff = new Backoff(this.tuning.backoffBaseMs, this.tuning.backoffMaxMs);
    this.machineId = this.meta.machineId();
    this.apply = new LocalApply(this.services, this.machineId);
    this.pool = createPool(this.config, this.tuning, this.logger);
  }

  /** Starts syncing in the background; the first cycle runs at once. */
  start(): void {
    this.unsubscribe = this.services.outbox.onRecord(() => this.localChange());
    this.logger.info('sync starting', { server: this.config.displayUrl, schema: this.config.schema });
    this.kick();
  }

  status(): SyncStatus {
    if (this.stopped && this.lastStatus) return this.lastStatus;
    const iso = (key: string) => {
      const at = this.meta.getNumber(key);
      return at === null ? null : new Date(at).toISOString();
    };
    this.lastStatus = {
      state: this.paused ? 'paused' : this.state,
      pending: this.services.outbox.pending(),
      lastPushAt: iso('last_push_at'),
      lastPullAt: iso('last_pull_at'),
      lastError: this.lastError,
      ...conflictsOf(this.conflicts),
      server: this.config.displayUrl,
      schema: this.config.schema,
    };
    return this.lastStatus;
  }

  /** Open connections, for diagnostics and leak tests: never more than the pool size plus LISTEN. */
  connections(): { pooled: number; idle: number; waiting: number; listening: boolean } {
    return { pooled: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount, listening: this.listener?.listening ?? false };
  }

  /** Runs a full push and pull now (even while paused) and resolves when it is done; failures show in status(). */
  async syncNow(): Promise<void> {
    if (this.stopped) return;
    this.pullDue = true;
    if (this.running) {
      this.again = true;
      await this.running;
      return;
    }
    this.running = this.loop();
    await this.running;
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.clearTimer();
    this.onChange();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.pullDue = true;
    this.backoff.reset();
    this.onChange();
    this.kick();
  }

  /** Stops the worker and closes every connection; waits briefly for a cycle in flight. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.status();
    this.stopped = true;
    this.unsubscribe?.();
    this.clearTimer();
    const grace = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
    if (this.running) await Promise.race([this.running, grace(3_000)]);
    await this.listener?.stop();
    await Promise.race([this.pool.end().catch(() => undefined), grace(2_000)]);
  }

  private localChange(): void {
    // While offline the backoff timer decides; hammering a dead server helps nobody.
    if (this.state === 'online') this.schedule(this.tuning.pushDelayMs);
  }

  private kick(): void {
    if (this.stopped || this.paused) return;
    this.clearTimer();
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop();
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        await this.runCycle();
      } while (this.again && !this.stopped && !this.paused);
    } finally {
      this.running = undefined;
    }
  }

  private async runCycle(): Promise<void> {
    try {
      await this.cycle();
      if (this.state !== 'online' || this.lastError !== null) {
        this.logger.info('sync online', { server: this.config.displayUrl, schema: this.config.schema });
      }
      const changed = this.state !== 'online' || this.lastError !== null;
      this.state = 'online';
      this.lastError = null;
      this.backoff.reset();
      if (changed) this.onChange();
      await this.ensureListener();
      this.schedule(Math.max(0, this.pollInterval() - (performance.now() - this.lastPulled)));
    } catch (error) {
      if (error instanceof Stopped || this.stopped) return;
      this.pullDue = true;
      const kind = classifyFailure(error);
      const message = describeFailure(error, this.config.secrets);
      if (kind !== this.state || message !== this.lastError) this.logger.warn(`sync ${kind}`, { error: message });
      this.state = kind;
      this.lastError = message;
      if (kind === 'error') this.schemaReady = false;
      this.onChange();
      this.clearTimer();
      this.schedule(this.backoff.next());
    }
  }

  /** One push of the whole outbox, then one pull of everything new. */
  private async cycle(): Promise<void> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      this.checkRunning();
      if (!this.schemaReady) {
        await ensureRemoteSchema(client, this.config.schema);
        this.checkRunning();
        this.adoptTarget();
        this.schemaReady = true;
      }
      // Local changes alone need a push only; a pull is for news from elsewhere (NOTIFY) or the poll.
      const pull = this.pullDue || performance.now() - this.lastPulled >= this.pollInterval();
      this.pullDue = false;
      await this.pushAll(client);
      if (pull) {
        await this.pullAll(client);
        this.lastPulled = performance.now();
      }
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      // A connection that failed mid-transaction is discarded, never reused.
      client.release(broken);
    }
  }

  /**
   * Pushes the whole outbox, batch after batch. While the server inserts one batch, this process
   * acknowledges the previous one and reads and encodes the next (they run on different cores).
   */
  private async pushAll(client: pg.PoolClient): Promise<void> {
    const { db, outbox } = this.services;
    const limits = { maxEntries: this.tuning.batchEntries, maxBytes: this.tuning.batchBytes };
    const read = (afterSeq = 0) => {
      const batch = readPushBatch(db, outbox, limits, afterSeq);
      if (batch) encodeContexts(batch, this.machineId);
      return batch;
    };
    let unacknowledged: (() => void) | undefined;
    const acknowledgePrevious = () => {
      const acknowledge = unacknowledged;
      unacknowledged = undefined;
      acknowledge?.();
    };
    let batch = read();
    try {
      while (batch) {
        const current = batch;
        let next: PushBatch | undefined;
        const result = await pushBatch(client, this.config.schema, this.machineId, current, this.clock.now(), () => {
          acknowledgePrevious();
          next = read(current.lastSeq);
        });
        acknowledgePrevious();
        const acknowledge = () => this.acknowledge(current, result);
        if (result.renumbered.length > 0) {
          // Moved versions change rows the next batch already read: settle them, then read it again.
          acknowledge();
          batch = read();
        } else {
          unacknowledged = acknowledge;
          batch = next;
        }
      }
    } finally {
      // The previous batch is committed in Postgres even when this one failed.
      acknowledgePrevious();
    }
  }

  /** After Postgres committed a batch: the server's version numbers locally, and the outbox moves on. */
  private acknowledge(batch: PushBatch, result: PushResult): void {
    this.checkRunning();
    this.services.db
      .transaction(() => {
        this.apply.applyPushResult(result);
        this.services.outbox.acknowledge(batch.lastSeq);
        this.meta.set('last_push_at', String(this.clock.now()));
      })
      .immediate();
    if (result.conflicts.length > 0) this.logger.info('sync conflicts recorded', { count: result.conflicts.length });
    this.onChange();
  }

  private async pullAll(client: pg.PoolClient): Promise<void> {
    const { db } = this.services;
    for (;;) {
      const cursor = this.meta.get('cursor') ?? '0';
      const changes = await pullChanges(client, this.config.schema, this.machineId, cursor, this.tuning.pullLimit);
      this.checkRunning();
      const found = db
        .transaction(() => {
          const conflicts = changes.changes > 0 ? this.apply.applyPulled(changes) : 0;
          this.meta.set('cursor', changes.cursor);
          this.meta.set('last_pull_at', String(this.clock.now()));
          return conflicts;
        })
        .immediate();
      if (found > 0) this.logger.info('sync conflicts recorded', { count: found });
      if (changes.changes > 0) this.onChange();
      if (!changes.more) return;
    }
  }

  /** A new server or tenant has none of this machine's rows and a cursor of its own. */
  private adoptTarget(): void {
    const id = targetId(this.config);
    const previous = this.meta.get('target');
    if (previous === id) return;
    this.services.db
      .transaction(() => {
        if (previous !== undefined) this.services.outbox.reseed();
        this.meta.set('target', id);
        this.meta.set('cursor', '0');
      })
      .immediate();
    if (previous !== undefined) this.logger.info('sync target changed: pushing all local memory to it', { schema: this.config.schema });
  }

  private async ensureListener(): Promise<void> {
    if (this.stopped || !this.tuning.listen || this.listener) return;
    this.listener = new PgListener({
      target: this.config,
      limits: this.tuning,
      channel: this.config.schema,
      name: 'sync',
      onNotification: (payload) => {
        if (payload === this.machineId) return;
        this.pullDue = true;
        this.schedule(0);
      },
      onListening: (listening) => {
        // Until LISTEN is back, poll often enough to keep changes visible within 2 s.
        if (!listening && this.state === 'online') this.schedule(this.tuning.fallbackPollMs);
      },
      // A connection dropped silently (NAT timeout, sleeping laptop) delivers nothing and reports
      // nothing: it must answer once per poll period or it is replaced.
      probeEveryMs: this.tuning.pollMs,
      logger: this.logger,
      backoff: new Backoff(this.tuning.backoffBaseMs, this.tuning.backoffMaxMs),
    });
    await this.listener.start();
  }

  private pollInterval(): number {
    return this.listener?.listening ? this.tuning.pollMs : this.tuning.fallbackPollMs;
  }

  /** Runs a cycle after `delayMs`, unless one is already due sooner. */
  private schedule(delayMs: number): void {
    if (this.stopped || this.paused) return;
    const at = Date.now() + delayMs;
    if (this.timer && this.timerAt <= at) return;
    this.clearTimer();
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.kick();
    }, delayMs);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private checkRunning(): void {
    if (this.stopped) throw new Stopped();
  }
}
