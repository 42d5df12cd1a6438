/**
 * Exponential backoff with full jitter: attempt n waits a random time up to base * 2^n (capped), so
 * many machines coming back after an outage do not retry in step.
 */
export class Backoff {
  private attempt = 0;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;

  constructor(baseMs = 500, maxMs = 60_000, random: () => number = Math.random) {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
    this.random = random;
  }

  /** The delay before the next retry; each call counts as one more failure. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    // At least a tenth of the ceiling, so a retry is never immediate.
    return Math.round(ceiling * (0.1 + 0.9 * this.random()));
  }

  reset(): void {
    this.attempt = 0;
  }

  get failures(): number {
    return this.attempt;
  }
}
