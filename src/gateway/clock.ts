/** Time source for everything that depends on "now", so tests can move time instead of sleeping. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to; used by tests and benchmarks. */
export class ManualClock implements Clock {
  private current: number;
  constructor(start: number = Date.UTC(2026, 0, 5, 9, 0, 0)) {
    this.current = start;
  }
  now(): number {
    return this.current;
  }
  advanceMinutes(minutes: number): void {
    this.current += minutes * 60_000;
  }
  set(ms: number): void {
    this.current = ms;
  }
}
