import type pg from 'pg';
import type { Clock } from '../../clock.ts';
import { sha256Hex } from '../../secrets.ts';
import { quoteIdent } from '../../pg/remote-schema.ts';
import { CONTROL_SCHEMA } from '../control-schema.ts';

export interface SignInLimits {
  /** Failed attempts from one address per window. */
  perAddress: number;
  addressWindowMs: number;
  /** Failed attempts on one sign-in page (one authorization request) in its lifetime. */
  perSignIn: number;
  signInWindowMs: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = {
  perAddress: 10,
  addressWindowMs: 15 * 60_000,
  perSignIn: 5,
  signInWindowMs: 60 * 60_000,
};

/** Why an attempt is refused before the key is even looked at. */
export interface SignInBlocked {
  scope: 'address' | 'sign-in';
  retryAfterMs: number;
}

const FAILURES = `${quoteIdent(CONTROL_SCHEMA)}.sign_in_failures`;

interface Row {
  bucket: string;
  failures: number;
  window_ends_at: Date;
}

/**
 * Limits sign-in attempts per client address and per sign-in page, in Postgres so that every hosted
 * process counts the same attempts. An attempt is counted before the key is checked (a burst of
 * parallel guesses is counted in full) and given back when the key was right.
 */
export class SignInLimiter {
  private readonly pool: pg.Pool;
  private readonly clock: Clock;
  private readonly limits: SignInLimits;

  constructor(pool: pg.Pool, clock: Clock, limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS) {
    this.pool = pool;
    this.clock = clock;
    this.limits = limits;
  }

  /** Counts an attempt; blocked when it is over a limit (then the key must not be checked). */
  async begin(address: string, signIn: string): Promise<SignInBlocked | undefined> {
    const now = this.clock.now();
    const buckets = this.buckets(address, signIn);
    const result = await this.pool.query<Row>(
      `INSERT INTO ${FAILURES} AS f (bucket, window_ends_at, failures)
       SELECT bucket, to_timestamp(($1::bigint + window_ms) / 1000.0), 1 FROM unnest($2::text[], $3::bigint[]) AS b(bucket, window_ms)
       ON CONFLICT (bucket) DO UPDATE SET
         failures = CASE WHEN f.window_ends_at <= to_timestamp($1::bigint / 1000.0) THEN 1 ELSE f.failures + 1 END,
         window_ends_at = CASE WHEN f.window_ends_at <= to_timestamp($1::bigint / 1000.0) THEN excluded.window_ends_at ELSE f.window_ends_at END
       RETURNING bucket, failures, window_ends_at`,
      [now, buckets.map((b) => b.bucket), buckets.map((b) => b.windowMs)],
    );
    for (const bucket of buckets) {
      const row = result.rows.find((r) => r.bucket === bucket.bucket);
      if (row && row.failures > bucket.limit) return { scope: bucket.scope, retryAfterMs: Math.max(0, row.window_ends_at.getTime() - now) };
    }
    return undefined;
  }

  /** The key was right: the attempt does not count against the address or the page. */
  async succeeded(address: string, signIn: string): Promise<void> {
    await this.pool.query(`UPDATE ${FAILURES} SET failures = greatest(failures - 1, 0) WHERE bucket = ANY($1::text[])`, [
      this.buckets(address, signIn).map((b) => b.bucket),
    ]);
  }

  private buckets(address: string, signIn: string) {
    return [
      { scope: 'address' as const, bucket: `address:${sha256Hex(address)}`, limit: this.limits.perAddress, windowMs: this.limits.addressWindowMs },
      { scope: 'sign-in' as const, bucket: `sign-in:${sha256Hex(signIn)}`, limit: this.limits.perSignIn, windowMs: this.limits.signInWindowMs },
    ];
  }
}
