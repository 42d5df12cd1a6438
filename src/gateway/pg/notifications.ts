import pg from 'pg';
import { CoalescingRuns } from '../coalescing-runs.ts';

/**
 * NOTIFYs sent after the commits of the changes they announce, in transactions of their own that
 * commit without waiting for the WAL flush. Postgres holds one lock on its notification queue from
 * a notifying transaction's commit to the end of its WAL flush, so durable commits that notify
 * queue behind each other, across every tenant of the database; these hold it for microseconds.
 * Notifications queued in one turn of the event loop, or while one transaction is under way, go
 * together in the next (CoalescingRuns), each (channel, payload) once: a hosted write's commit
 * announces its tables, and its resource change follows a few microtasks later, in one transaction. A notification is a hint to look again, never data: one lost in a crash
 * is made up for by the listeners' safety-net polls.
 */
export class Notifications {
  private readonly pool: pg.Pool;
  private readonly onError: (error: unknown) => void;
  private readonly runs = new CoalescingRuns<'all', { channel: string; payload: string }>((_all, batch) => this.sendBatch(batch), {
    gather: 'event-loop-turn',
  });

  constructor(pool: pg.Pool, onError: (error: unknown) => void) {
    this.pool = pool;
    this.onError = onError;
  }

  /** Queues a notification; never delays or fails the caller. */
  send(channel: string, payload: string): void {
    void this.runs.add('all', { channel, payload });
  }

  /** Resolves once everything queued so far has been sent (or failed): before the pool ends. */
  drain(): Promise<void> {
    return this.runs.drain();
  }

  private async sendBatch(batch: { channel: string; payload: string }[]): Promise<void> {
    const distinct = new Set(batch.map(({ channel, payload }) => ` SELECT pg_notify(${pg.escapeLiteral(channel)}, ${pg.escapeLiteral(payload)});`));
    let client: pg.PoolClient | undefined;
    try {
      client = await this.pool.connect();
      await client.query(`BEGIN; SET LOCAL synchronous_commit TO off;${[...distinct].join('')} COMMIT`);
      client.release();
    } catch (error) {
      // A failed statement leaves the transaction open: the connection goes, not back to the pool.
      client?.release(error as Error);
      this.onError(error);
    }
  }
}
