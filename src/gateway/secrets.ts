import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** Row ids are UUIDs so that rows can be synced idempotently between machines. */
export const newId = (): string => randomUUID();

const STABLE_ID_NAMESPACE = Buffer.from('7b1f3c5e8a2d4f60b9e1c3a5d7f90b2e', 'hex');

/**
 * A name-based UUID (RFC 4122 version 5) of `parts`: the same parts give the same id on every run
 * and every machine, so rows copied in from elsewhere (imports) are written once, however often.
 */
export function stableId(...parts: string[]): string {
  const hash = createHash('sha1').update(STABLE_ID_NAMESPACE).update(JSON.stringify(parts), 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

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
