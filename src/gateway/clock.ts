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

/** Timer source for work that waits (retries, periodic checks), so tests can move time instead of sleeping. */
export interface Timers {
  /** Runs `run` once after `ms`; the returned function cancels it. Never keeps the process alive. */
  after(ms: number, run: () => void): () => void;
}

export const systemTimers: Timers = {
  after(ms, run) {
    const timer = setTimeout(run, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/** Timers that fire only when a test advances them; used by tests. */
export class ManualTimers implements Timers {
  private current = 0;
  private readonly due = new Map<number, { at: number; run: () => void }>();
  private nextId = 0;

  after(ms: number, run: () => void): () => void {
    const id = this.nextId++;
    this.due.set(id, { at: this.current + ms, run });
    return () => this.due.delete(id);
  }

  /** Moves time forward by `ms`, running every timer that falls due, earliest first. */
  advance(ms: number): void {
    const until = this.current + ms;
    for (;;) {
      const next = [...this.due.entries()].filter(([, timer]) => timer.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!next) break;
      this.due.delete(next[0]);
      this.current = next[1].at;
      next[1].run();
    }
    this.current = until;
  }

  /** How many timers are waiting. */
  get pending(): number {
    return this.due.size;
  }
}
