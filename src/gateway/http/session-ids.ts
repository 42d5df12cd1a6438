import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Caller } from '../sessions/caller.ts';

/**
 * How MCP session ids are made, and whether an id the endpoint does not hold (a restart, another
 * process) was issued to this caller: only then is it re-attached.
 */
export interface SessionIds {
  issue(caller: Caller): string;
  issuedTo(sessionId: string, caller: Caller): boolean;
}

/** Locally: random ids; one user owns every client, and an id survives a gateway restart for any of them. */
export const randomSessionIds: SessionIds = {
  issue: () => randomUUID(),
  issuedTo: () => true,
};

/**
 * Hosted: `<nonce>.<MAC of tenant, client and nonce>`, with a key every process shares, so any
 * process can tell whose an id is without asking anyone, and an id presented by another tenant or
 * client is unknown to it (404), never re-attached for the presenter.
 */
export class SignedSessionIds implements SessionIds {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length < 32) throw new Error('the session id key must have at least 32 bytes');
    this.key = key;
  }

  issue(caller: Caller): string {
    const nonce = randomBytes(16).toString('base64url');
    return `${nonce}.${this.mac(nonce, caller).toString('base64url')}`;
  }

  issuedTo(sessionId: string, caller: Caller): boolean {
    const [nonce, mac, ...rest] = sessionId.split('.');
    if (!nonce || !mac || rest.length > 0) return false;
    const expected = this.mac(nonce, caller);
    const given = Buffer.from(mac, 'base64url');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private mac(nonce: string, caller: Caller): Buffer {
    // Length-prefixed parts: no two (tenant, client, nonce) triples sign the same bytes.
    const parts = [caller.tenant ?? '', caller.client.id, nonce].map((part) => `${part.length}:${part}`).join('|');
    return createHmac('sha256', this.key).update(parts).digest();
  }
}
