import type { Clock } from './clock.ts';
import type { Logger } from './logger.ts';
import { setNewest } from './bounded-map.ts';

/** The same line is written at most once per this many milliseconds. */
const WINDOW_MS = 60_000;
/** Distinct lines remembered at most (the oldest are forgotten first), so the limiter is bounded too. */
const MAX_REMEMBERED = 1_000;

/**
 * A logger that writes a repeated line (same level, message and fields) at most once a minute, and
 * says how many were left out when it writes it again: anyone can make a server fail the same way
 * many times a second (requests aborted mid-body), and the log must stay readable and small.
 */
export function repeatLimited(logger: Logger, clock: Clock): Logger {
  const seen = new Map<string, { writtenAt: number; skipped: number }>();
  const limited =
    (level: keyof Logger) =>
    (message: string, fields?: Record<string, unknown>): void => {
      const key = `${level} ${message} ${JSON.stringify(fields ?? {})}`;
      const now = clock.now();
      const last = seen.get(key);
      if (last && now - last.writtenAt < WINDOW_MS) {
        last.skipped++;
        return;
      }
      setNewest(seen, key, { writtenAt: now, skipped: 0 }, MAX_REMEMBERED);
      logger[level](message, last && last.skipped > 0 ? { ...fields, repeatedSinceLastLine: last.skipped } : fields);
    };
  return { info: limited('info'), warn: limited('warn'), error: limited('error') };
}
