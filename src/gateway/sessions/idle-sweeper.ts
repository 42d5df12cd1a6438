import type { Handover } from '../store/handovers.ts';
import type { WorkSessionService } from './work-session-service.ts';

/**
 * Runs the idle sweep on a timer so handovers are written without waiting for the client to come
 * back. The timer only decides how soon after the deadline a sweep happens; the deadline itself
 * comes from the injected clock, so tests call `runOnce` after moving time.
 */
export class IdleSweeper {
  private timer: NodeJS.Timeout | undefined;
  private readonly service: WorkSessionService;
  private readonly onHandovers: (handovers: Handover[]) => void;
  private readonly onError: (error: unknown) => void;

  constructor(service: WorkSessionService, onHandovers: (handovers: Handover[]) => void, onError: (error: unknown) => void) {
    this.service = service;
    this.onHandovers = onHandovers;
    this.onError = onError;
  }

  runOnce(): Handover[] {
    const handovers = this.service.sweep();
    if (handovers.length > 0) this.onHandovers(handovers);
    return handovers;
  }

  /** Sweeps now (sessions that went idle while the app was not running) and then periodically. */
  start(): void {
    this.safeRun();
    // A tenth of the idle time, between 1 s and 30 s: prompt without busy-looping.
    const period = Math.min(30_000, Math.max(1_000, this.service.idleMs / 10));
    this.timer = setInterval(() => this.safeRun(), period);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private safeRun(): void {
    try {
      this.runOnce();
    } catch (error) {
      this.onError(error);
    }
  }
}
