import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** Row ids are UUIDs so that rows can be synced idempotently between machines. */
export const newId = (): string => randomUUID();

/** A client token: 32 random bytes, URL-safe, with a prefix that makes leaked tokens recognisable. */
export function newToken(prefix = 'dct'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Compares two hex digests without leaking where they differ. */
export function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
