import type { Handover } from '../store/handovers.ts';

/**
 * Runs the idle sweep on a timer so handovers are written without waiting for the client to come
 * back. The timer only decides how soon after the deadline a sweep happens; the deadline itself
 * comes from the injected clock, so tests call `runOnce` after moving time.
 */
export class IdleSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<Handover[]> | undefined;
  private readonly sweep: () => Promise<Handover[]>;
  private readonly idleMs: number;
  private readonly onHandovers: (handovers: Handover[]) => void;
  private readonly onError: (error: unknown) => void;

  constructor(deps: {
    /** Finalizes what is idle in every store this gateway serves. */
    sweep: () => Promise<Handover[]>;
    idleMs: number;
    onHandovers: (handovers: Handover[]) => void;
    onError: (error: unknown) => void;
  }) {
    this.sweep = deps.sweep;
    this.idleMs = deps.idleMs;
    this.onHandovers = deps.onHandovers;
    this.onError = deps.onError;
  }

  /** One sweep; a sweep already under way is joined rather than run twice at once. */
  runOnce(): Promise<Handover[]> {
    this.running ??= this.sweep()
      .then((handovers) => {
        if (handovers.length > 0) this.onHandovers(handovers);
        return handovers;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  /** Sweeps now (sessions that went idle while the app was not running) and then periodically. */
  async start(): Promise<void> {
    await this.safeRun();
    // A tenth of the idle time, between 1 s and 30 s: prompt without busy-looping.
    const period = Math.min(30_000, Math.max(1_000, this.idleMs / 10));
    this.timer = setInterval(() => void this.safeRun(), period);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async safeRun(): Promise<void> {
    try {
      await this.runOnce();
    } catch (error) {
      this.onError(error);
    }
  }
}
