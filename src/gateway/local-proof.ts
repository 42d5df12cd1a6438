import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { sha256Hex } from './secrets.ts';

/**
 * Challenge-response between a local process (the stdio bridge, the CLI) and the gateway, over a
 * key both already hold: the data folder's local secret, or the hash of a client token (what the
 * gateway stores). Neither side ever sends the key. The gateway proves itself first, over the
 * caller's nonce and the port it listens on, so a process that took the port (or relays to the real
 * gateway from another port) learns nothing it can use; then the caller proves itself over the
 * gateway's single-use nonce and gets a session token for one client (or the admin API) only.
 * Plain node:crypto: the bridge loads this and must start fast.
 */
export interface ProofKey {
  /** Names the key without revealing it: 'local', or 'token:<digest of the token hash>'. */
  id: string;
  /** The HMAC key. */
  secret: string;
}

export const LOCAL_KEY_ID = 'local';

export const localKey = (secret: string): ProofKey => ({ id: LOCAL_KEY_ID, secret });

/** The key of a client token, given the token hash (sha256 hex) the gateway stores. */
export const tokenHashKey = (tokenHash: string): ProofKey => ({ id: `token:${sha256Hex(`dementia-token-key\n${tokenHash}`)}`, secret: tokenHash });

export const tokenKey = (token: string): ProofKey => tokenHashKey(sha256Hex(token));

/** What the caller asks for: the admin API, or one client's identity (by name with the local key; the token's own client with a token key). */
export type ProofScope = { kind: 'admin' } | { kind: 'client'; client?: string | undefined };

export const scopeText = (scope: ProofScope): string => (scope.kind === 'admin' ? 'admin' : `client:${scope.client ?? ''}`);

export const NONCE_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export const newNonce = (): string => randomBytes(32).toString('base64url');

const hmac = (key: ProofKey, text: string): string => createHmac('sha256', key.secret).update(text, 'utf8').digest('hex');

/** The gateway's answer to a challenge: it knows the key and listens on `port`. */
export const gatewayProof = (key: ProofKey, port: number, callerNonce: string, gatewayNonce: string): string =>
  hmac(key, `dementia-gateway-proof\n${port}\n${callerNonce}\n${gatewayNonce}`);

/** The caller's answer: it knows the key and asks the gateway on `port` for this scope, once. */
export const callerProof = (key: ProofKey, port: number, gatewayNonce: string, scope: ProofScope): string =>
  hmac(key, `dementia-caller-proof\n${port}\n${gatewayNonce}\n${scopeText(scope)}`);

export function proofsEqual(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || !/^[0-9a-f]{64}$/.test(given)) return false;
  return timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(given, 'hex'));
}

/** The paths of the exchange (no Origin allowed: browsers have no business there). */
export const CHALLENGE_PATH = '/local-auth/challenge';
export const SESSION_PATH = '/local-auth/session';

/** Session tokens from the exchange; a prefix the logger masks. */
export const SESSION_TOKEN_PREFIX = 'dcs';
