import type { Timers } from './clock.ts';

interface KeyState<T> {
  queued: T[];
  current: Promise<void> | undefined;
  next: Promise<void> | undefined;
  /** Until when the next run must wait, with `spacing`: settles `spacing.ms` after the last run started. */
  cooling: Promise<void> | undefined;
}

/**
 * Runs `work` for a key one run at a time; items added while a run is under way wait and then go,
 * all together, into the next run. For work whose cost is per run rather than per item (one Postgres
 * transaction for many notifications, one read for many changes of a project): under load the runs
 * grow larger instead of more numerous, while a lone item goes at once (after one microtask, so the
 * items added in the same synchronous stretch share its run).
 */
export class CoalescingRuns<K, T> {
  private readonly work: (key: K, items: T[]) => Promise<void>;
  private readonly states = new Map<K, KeyState<T>>();
  private readonly gather: 'microtask' | 'event-loop-turn';
  private readonly spacing: { ms: number; timers: Timers } | undefined;

  /**
   * `gather: 'event-loop-turn'`: a run waits for the current turn of the event loop to end
   * (setImmediate), so items added anywhere in it, also after awaits on settled promises, share it.
   * `spacing`: runs of a key start at least `ms` apart. An item after a quiet spell still goes at
   * once; under a steady stream of items, a key gets one run per `ms`, however fast they come.
   */
  constructor(
    work: (key: K, items: T[]) => Promise<void>,
    options: { gather?: 'microtask' | 'event-loop-turn'; spacing?: { ms: number; timers: Timers } } = {},
  ) {
    this.work = work;
    this.gather = options.gather ?? 'microtask';
    this.spacing = options.spacing;
  }

  /** Resolves when the run that carried `item` has finished (rejects if that run failed). */
  add(key: K, item: T): Promise<void> {
    let state = this.states.get(key);
    if (!state) {
      state = { queued: [], current: undefined, next: undefined, cooling: undefined };
      this.states.set(key, state);
    }
    state.queued.push(item);
    state.next ??= this.nextRun(key, state);
    return state.next;
  }

  /** Resolves once every item added so far has been through a run. */
  async drain(): Promise<void> {
    for (const state of [...this.states.values()]) await Promise.allSettled([state.current, state.next]);
    if ([...this.states.values()].some((state) => state.current || state.next)) await this.drain();
  }

  private async nextRun(key: K, state: KeyState<T>): Promise<void> {
    // Always wait at least a microtask: `state.next` is set before the items are taken.
    await state.current?.catch(() => {});
    await state.cooling;
    if (this.gather === 'event-loop-turn') await new Promise<void>((resolve) => setImmediate(resolve));
    const items = state.queued;
    state.queued = [];
    state.next = undefined;
    if (this.spacing) state.cooling = this.coolDown(key, state, this.spacing);
    const run = this.work(key, items);
    state.current = run;
    try {
      await run;
    } finally {
      if (state.current === run) state.current = undefined;
      this.forgetIfIdle(key, state);
    }
  }

  private coolDown(key: K, state: KeyState<T>, spacing: { ms: number; timers: Timers }): Promise<void> {
    return new Promise<void>((resolve) =>
      spacing.timers.after(spacing.ms, () => {
        state.cooling = undefined;
        this.forgetIfIdle(key, state);
        resolve();
      }),
    );
  }

  private forgetIfIdle(key: K, state: KeyState<T>): void {
    if (!state.current && !state.next && !state.cooling) this.states.delete(key);
  }
}
