import type { Clock } from '../clock.ts';

export interface LimiterOptions {
  /** New sessions a client may open at once (a client starting several windows, a restart). */
  burst: number;
  /** Sustained new sessions per minute after the burst is spent. */
  perMinute: number;
}

/** Generous for real clients (Desktop opens 2-3, Claude Code reconnects every 15-60 s); stops loops. */
export const DEFAULT_INITIALIZE_LIMIT: LimiterOptions = { burst: 30, perMinute: 60 };

/**
 * A token bucket per client for `initialize`: a reconnect storm from one client is answered with
 * 429 and Retry-After instead of piling up sessions; other clients are unaffected.
 */
export class InitializeLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly clock: Clock;
  private readonly options: LimiterOptions;

  constructor(clock: Clock, options: LimiterOptions = DEFAULT_INITIALIZE_LIMIT) {
    this.clock = clock;
    this.options = options;
  }

  /** Takes one token; returns 0 when allowed, else the seconds until the next one. */
  take(clientId: string): number {
    const now = this.clock.now();
    const perMs = this.options.perMinute / 60_000;
    const bucket = this.buckets.get(clientId) ?? { tokens: this.options.burst, at: now };
    bucket.tokens = Math.min(this.options.burst, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
    this.buckets.set(clientId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
  }

  /** Forgets full buckets, so the map holds only clients that reconnected recently. */
  prune(): void {
    const now = this.clock.now();
    const fullAfterMs = (this.options.burst * 60_000) / this.options.perMinute;
    for (const [clientId, bucket] of this.buckets) if (now - bucket.at >= fullAfterMs) this.buckets.delete(clientId);
  }

  get size(): number {
    return this.buckets.size;
  }
}
