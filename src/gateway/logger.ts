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

export function createLogger(write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Logger {
  const log = (level: string, message: string, fields?: Record<string, unknown>) => {
    const extra = fields ? ` ${JSON.stringify(fields)}` : '';
    write(scrub(`${new Date().toISOString()} ${level} ${message}${extra}`));
  };
  return {
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
  };
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
