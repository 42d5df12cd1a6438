import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../clock.ts';
import { isUserError } from '../errors.ts';
import {
  callerProof,
  CHALLENGE_PATH,
  gatewayProof,
  LOCAL_KEY_ID,
  localKey,
  newNonce,
  NONCE_SHAPE,
  proofsEqual,
  SESSION_PATH,
  SESSION_TOKEN_PREFIX,
  tokenHashKey,
  type ProofKey,
  type ProofScope,
} from '../local-proof.ts';
import { newToken, sha256Hex } from '../secrets.ts';
import type { ClientRecord, ClientStore } from '../store/clients.ts';
import { readJsonObject } from './admin/json-body.ts';
import { headerValue, HttpError, sendJson } from './http-utils.ts';
import { setNewest } from '../bounded-map.ts';

/** A challenge answered by the caller within this, or never. */
const CHALLENGE_TTL_MS = 60_000;
const MAX_CHALLENGES = 64;
/** A bridge's session lives while it is used; an unused one ends after this. */
const CLIENT_SESSION_IDLE_MS = 12 * 60 * 60_000;
/** The CLI asks for an admin session per command; it needs minutes, not hours. */
const ADMIN_SESSION_MS = 10 * 60_000;
const MAX_SESSIONS = 512;

interface Challenge {
  keyId: string;
  expiresAt: number;
}

interface Session {
  /** undefined: the admin API. */
  clientId: string | undefined;
  expiresAt: number;
  idleMs: number | undefined;
}

export interface LocalAuthDeps {
  clients: ClientStore;
  clock: Clock;
  /** The data folder's local secret, read when needed (another process may have replaced it). */
  localSecret: () => string;
  /** The port this gateway listens on: both proofs name it. */
  port: () => number;
}

/**
 * The gateway side of local-proof.ts: answers challenges and issues session tokens that stand for
 * one client on /mcp, or for the admin API, never both. Tokens live in memory: a restarted gateway
 * forgets them and the bridge simply proves itself again.
 */
export class LocalAuth {
  private readonly deps: LocalAuthDeps;
  private readonly challenges = new Map<string, Challenge>();
  private readonly sessions = new Map<string, Session>();

  constructor(deps: LocalAuthDeps) {
    this.deps = deps;
  }

  handles(pathname: string): boolean {
    return pathname === CHALLENGE_PATH || pathname === SESSION_PATH;
  }

  async handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    try {
      if (req.method !== 'POST') throw new HttpError(405, `Use POST on ${pathname}.`);
      // A web page has no business here; the router has already refused foreign Hosts.
      if (headerValue(req, 'origin') !== undefined) throw new HttpError(403, 'Browsers cannot use the local proof.');
      const body = await readJsonObject(req);
      if (pathname === CHALLENGE_PATH) sendJson(res, 200, this.challenge(body));
      else sendJson(res, 200, this.session(body));
    } catch (error) {
      req.resume();
      if (error instanceof HttpError) sendJson(res, error.status, { error: error.message });
      else if (isUserError(error)) sendJson(res, 404, { error: error.describe(), code: error.code });
      else throw error;
    }
  }

  /** The client a bridge session token stands for; undefined for anything else. */
  clientFor(token: string | undefined): ClientRecord | undefined {
    const session = this.live(token);
    return session?.clientId === undefined ? undefined : this.deps.clients.byId(session.clientId);
  }

  /** True for an admin session token from the exchange (the CLI's). */
  isAdmin(token: string | undefined): boolean {
    const session = this.live(token);
    return session !== undefined && session.clientId === undefined;
  }

  private challenge(body: Record<string, unknown>): { nonce: string; proof: string } {
    const callerNonce = body.nonce;
    if (typeof callerNonce !== 'string' || !NONCE_SHAPE.test(callerNonce)) throw new HttpError(400, '"nonce" must be 32 random bytes, base64url.');
    const { key } = this.resolveKey(body.key);
    const now = this.deps.clock.now();
    this.prune(now);
    const nonce = newNonce();
    setNewest(this.challenges, nonce, { keyId: key.id, expiresAt: now + CHALLENGE_TTL_MS }, MAX_CHALLENGES);
    return { nonce, proof: gatewayProof(key, this.deps.port(), callerNonce, nonce) };
  }

  private session(body: Record<string, unknown>): { token: string; client: { id: string; name: string } | null } {
    const nonce = typeof body.nonce === 'string' ? body.nonce : '';
    const challenge = this.challenges.get(nonce);
    this.challenges.delete(nonce); // single use, whatever the outcome
    const now = this.deps.clock.now();
    if (!challenge || challenge.expiresAt < now || challenge.keyId !== body.key) throw new HttpError(401, 'Unknown or expired challenge: ask for a new one.');
    const { key, clientId } = this.resolveKey(body.key);
    const scope: ProofScope =
      body.scope === 'admin' ? { kind: 'admin' } : { kind: 'client', client: typeof body.client === 'string' ? body.client : undefined };
    if (!proofsEqual(callerProof(key, this.deps.port(), nonce, scope), body.proof))
      throw new HttpError(401, 'The proof does not match: the caller does not hold this key.');
    let client: ClientRecord | undefined;
    if (scope.kind === 'admin') {
      if (key.id !== LOCAL_KEY_ID) throw new HttpError(403, 'A client token never opens the admin API.');
    } else if (key.id === LOCAL_KEY_ID) {
      if (!scope.client) throw new HttpError(400, 'Name the client the bridge acts for ("client").');
      client = this.deps.clients.find(scope.client); // a clear "no client named ..." with the names
    } else {
      client = clientId === undefined ? undefined : this.deps.clients.byId(clientId);
      if (!client) throw new HttpError(401, 'This token belongs to no client of this gateway.');
    }
    const token = newToken(SESSION_TOKEN_PREFIX);
    const idleMs = client ? CLIENT_SESSION_IDLE_MS : undefined;
    this.sessions.set(sha256Hex(token), { clientId: client?.id, expiresAt: now + (idleMs ?? ADMIN_SESSION_MS), idleMs });
    this.prune(now);
    return { token, client: client ? { id: client.id, name: client.name } : null };
  }

  /** The key a caller names; a token key also names its client (a few clients: a scan is fine). */
  private resolveKey(keyId: unknown): { key: ProofKey; clientId?: string } {
    if (keyId === LOCAL_KEY_ID) return { key: localKey(this.deps.localSecret()) };
    if (typeof keyId === 'string' && keyId.startsWith('token:')) {
      const row = this.deps.clients.tokenHashes().find((candidate) => tokenHashKey(candidate.tokenHash).id === keyId);
      if (row) return { key: tokenHashKey(row.tokenHash), clientId: row.id };
      throw new HttpError(401, 'This token belongs to no client of this gateway (removed, or replaced by rotate-token).');
    }
    throw new HttpError(400, '"key" must be "local" or a token key.');
  }

  private live(token: string | undefined): Session | undefined {
    if (!token?.startsWith(`${SESSION_TOKEN_PREFIX}_`)) return undefined;
    const session = this.sessions.get(sha256Hex(token));
    const now = this.deps.clock.now();
    if (!session || session.expiresAt < now) return undefined;
    if (session.idleMs !== undefined) session.expiresAt = now + session.idleMs;
    return session;
  }

  private prune(now: number): void {
    for (const [nonce, challenge] of this.challenges) if (challenge.expiresAt < now) this.challenges.delete(nonce);
    for (const [hash, session] of this.sessions) if (session.expiresAt < now) this.sessions.delete(hash);
    // Over the cap, the sessions closest to expiry go first.
    if (this.sessions.size > MAX_SESSIONS) {
      const oldest = [...this.sessions].sort((a, b) => a[1].expiresAt - b[1].expiresAt).slice(0, this.sessions.size - MAX_SESSIONS);
      for (const [hash] of oldest) this.sessions.delete(hash);
    }
  }
}
