import type { HostedCaller } from '../hosted-auth.ts';
import { setNewest } from '../../bounded-map.ts';

export interface Verified {
  caller: HostedCaller;
  /** When the token itself expires (ms). */
  expiresAt: number;
  /** When the store last confirmed it (ms). */
  verifiedAt: number;
  scopes: string[];
  clientId: string;
  /** The token's audience (the resource it was issued for). */
  resource: URL | undefined;
}

/**
 * Tokens the store confirmed recently, by the hash of the token. What a token says never changes, so
 * its next request checks only that it is still valid (BearerAuth: one statement instead of two).
 * While Postgres cannot be reached, a client that was fine a moment ago gets to its tool call, which
 * then fails with the clear STORE_UNREACHABLE error instead of an OAuth challenge that would send
 * the user to sign in.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, Verified>();
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;

  constructor(options: { maxEntries?: number; maxAgeMs?: number } = {}) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
  }

  remember(tokenHash: string, verified: Verified): void {
    // The bound holds whatever the number of clients.
    setNewest(this.entries, tokenHash, verified, this.maxEntries);
  }

  /** The caller of a token confirmed within the last maxAge and not expired since, or undefined. */
  recall(tokenHash: string, now: number): Verified | undefined {
    const entry = this.entries.get(tokenHash);
    if (!entry) return undefined;
    if (now - entry.verifiedAt > this.maxAgeMs || now >= entry.expiresAt) {
      this.entries.delete(tokenHash);
      return undefined;
    }
    return entry;
  }

  forget(tokenHash: string): void {
    this.entries.delete(tokenHash);
  }

  clear(): void {
    this.entries.clear();
  }
}
