import type Provider from 'oidc-provider';
import { digestsEqual, sha256Hex } from '../../secrets.ts';

/**
 * Dynamically registered clients may authenticate with a client secret (claude.ai registers with
 * `client_secret_post`). The secret is shown to the client once, in the registration response; the
 * store keeps only its hash, like every other credential of the hosted server.
 */
const HASHED = 'sha256:';

export const hashClientSecret = (secret: string): string => (secret.startsWith(HASHED) ? secret : `${HASHED}${sha256Hex(secret)}`);

/**
 * oidc-provider compares a presented secret with the stored one as it is; clients loaded from the
 * store carry the hash, so compare hashes instead. The only change to the library's behaviour: the
 * secret is never used as a key (HMAC-based client authentication and symmetric encryption are not
 * enabled), so nothing else reads it.
 */
export function compareHashedClientSecrets(provider: Provider): void {
  const prototype = provider.Client.prototype as unknown as { clientSecret?: string; compareClientSecret(actual: string): boolean };
  prototype.compareClientSecret = function compareClientSecret(this: { clientSecret?: string }, actual: string): boolean {
    const stored = this.clientSecret;
    if (typeof stored !== 'string' || typeof actual !== 'string') return false;
    const expected = stored.startsWith(HASHED) ? stored.slice(HASHED.length) : sha256Hex(stored);
    return digestsEqual(expected, sha256Hex(actual));
  };
}
