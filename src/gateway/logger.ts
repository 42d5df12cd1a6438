import { UserError } from './errors.ts';

/** Minimal structured logger. Callers never pass secrets; `scrub` is a second line of defence. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const SECRET_PATTERN = /\b(dct|dca|dcb|dcl|dmk|dcs)_[A-Za-z0-9_-]{20,}/g;

/** Masks anything shaped like one of our tokens. */
export function scrub(text: string): string {
  return text.replace(SECRET_PATTERN, (token) => `${token.slice(0, 4)}[redacted]`);
}

/** `text`: one readable line per entry; `json`: one JSON object per line (JSON Lines), for log shippers. */
export type LogFormat = 'text' | 'json';

/** DEMENTIA_LOG_FORMAT: unset or `text`, or `json`. */
export function parseLogFormat(text: string | undefined): LogFormat {
  const value = (text ?? '').trim().toLowerCase();
  if (value === '' || value === 'text') return 'text';
  if (value === 'json') return 'json';
  throw new UserError(
    'INVALID_SETTING',
    `DEMENTIA_LOG_FORMAT "${text}" is neither text nor json.`,
    'Leave it unset for readable lines, or set json for one JSON object a line.',
  );
}

export function createLogger(write: (line: string) => void = (line) => process.stderr.write(`${line}\n`), format: LogFormat = 'text'): Logger {
  const log = (level: string, message: string, fields?: Record<string, unknown>) => {
    const time = new Date().toISOString();
    if (format === 'json') {
      // The entry's own keys last: a field cannot pass itself off as the time, level or message.
      write(scrub(JSON.stringify({ ...fields, time, level, message })));
      return;
    }
    const extra = fields ? ` ${JSON.stringify(fields)}` : '';
    write(scrub(`${time} ${level} ${message}${extra}`));
  };
  return {
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
  };
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
