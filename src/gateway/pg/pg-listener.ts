import pg from 'pg';
import { systemTimers, type Timers } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { Backoff } from './backoff.ts';
import { pgClientConfig, type ConnectionLimits } from './pg-connection.ts';
import { describeFailure } from './pg-failure.ts';
import type { PgTarget } from './pg-target.ts';
import { quoteIdent } from './remote-schema.ts';

export interface PgListenerOptions {
  target: PgTarget;
  /** The listening connection's settings (it counts in the process's connection budget). */
  limits: ConnectionLimits;
  channel: string;
  /** Who listens, for log lines ("sync", "hosted resource changes"). */
  name: string;
  onNotification: (payload: string | undefined) => void;
  /** Told when listening starts and when it is lost (notifications sent in between are missed). */
  onListening?: (listening: boolean) => void;
  /** How often the open connection is asked to answer; one that has not answered by the next probe is dead. */
  probeEveryMs: number;
  logger: Logger;
  backoff?: Backoff;
  timers?: Timers;
}

/**
 * One LISTEN connection that stays up by itself: it connects, LISTENs, reconnects with backoff when
 * the connection fails, and probes it, because a connection that died silently (a NAT timeout, a
 * sleeping laptop, a stalled link) delivers nothing and reports nothing. It warns once per outage
 * and says when it listens again.
 */
export class PgListener {
  private readonly options: PgListenerOptions;
  private readonly backoff: Backoff;
  private readonly timers: Timers;
  private client: pg.Client | undefined;
  private cancelTimer: (() => void) | undefined;
  private probeInFlight = false;
  private outage = false;
  private stopped = false;

  constructor(options: PgListenerOptions) {
    this.options = options;
    this.backoff = options.backoff ?? new Backoff();
    this.timers = options.timers ?? systemTimers;
  }

  get listening(): boolean {
    return this.client !== undefined;
  }

  /** Connects and LISTENs; resolves after the first attempt, whether it succeeded or a retry waits. */
  start(): Promise<void> {
    return this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    const client = this.client;
    this.client = undefined;
    // A stalled connection never answers end(): stop waiting after a moment (a real one: this is shutdown).
    if (client) await Promise.race([client.end().catch(() => undefined), new Promise<void>((resolve) => setTimeout(resolve, 1_000).unref())]);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client(pgClientConfig(this.options.target, this.options.limits));
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('the connection closed')));
    client.on('notification', (message) => {
      if (this.client === client) this.options.onNotification(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(this.options.channel)}`);
    } catch (error) {
      client.end().catch(() => undefined);
      this.failed(error);
      return;
    }
    if (this.stopped) {
      client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.probeInFlight = false;
    this.backoff.reset();
    if (this.outage) this.options.logger.info(`${this.options.name}: listening again`);
    this.outage = false;
    this.schedule(this.options.probeEveryMs, () => this.probe(client));
    this.options.onListening?.(true);
  }

  private probe(client: pg.Client): void {
    if (this.client !== client) return;
    if (this.probeInFlight) {
      this.lost(client, new Error(`no answer within ${this.options.probeEveryMs} ms`));
      return;
    }
    this.probeInFlight = true;
    client.query('SELECT 1').then(
      () => {
        this.probeInFlight = false;
      },
      (error: unknown) => this.lost(client, error),
    );
    this.schedule(this.options.probeEveryMs, () => this.probe(client));
  }

  private lost(client: pg.Client, error: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.cancelTimer?.();
    client.end().catch(() => undefined);
    this.options.onListening?.(false);
    this.failed(error);
  }

  private failed(error: unknown): void {
    if (this.stopped) return;
    if (!this.outage) {
      this.outage = true;
      this.options.logger.warn(`${this.options.name}: not listening for changes made elsewhere; reconnecting`, {
        error: describeFailure(error, this.options.target.secrets),
      });
    }
    this.schedule(this.backoff.next(), () => void this.connect());
  }

  private schedule(ms: number, run: () => void): void {
    this.cancelTimer?.();
    this.cancelTimer = this.timers.after(ms, () => {
      this.cancelTimer = undefined;
      run();
    });
  }
}
