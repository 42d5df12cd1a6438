import { UserError } from '../errors.ts';
import {
  callerProof,
  CHALLENGE_PATH,
  gatewayProof,
  LOCAL_KEY_ID,
  newNonce,
  NONCE_SHAPE,
  proofsEqual,
  SESSION_PATH,
  type ProofKey,
  type ProofScope,
} from '../local-proof.ts';
import { sendToGateway } from './gateway-post.ts';

/** The program on the port is not this data folder's gateway; nothing usable was sent to it. */
export const NOT_OUR_GATEWAY = 'NOT_OUR_GATEWAY';
/** The real gateway (it proved itself) refused: unknown client, removed token. Retrying will not help. */
export const GATEWAY_REFUSED = 'GATEWAY_REFUSED';

export interface ProvenSession {
  token: string;
  client: { id: string; name: string } | null;
}

async function postJson(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const reply = await sendToGateway(url, 'POST', { 'content-type': 'application/json', accept: 'application/json' }, JSON.stringify(body));
  try {
    const parsed = JSON.parse(reply.body) as unknown;
    return { status: reply.status, body: typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {} };
  } catch {
    return { status: reply.status, body: {} };
  }
}

function notOurGateway(port: number, key: ProofKey): UserError {
  const what = key.id === LOCAL_KEY_ID ? "the data folder's local secret" : 'this client token';
  return new UserError(
    NOT_OUR_GATEWAY,
    `Port ${port} on 127.0.0.1 answers, but it is not the Dementia Companion gateway of this data folder: it could not prove it knows ${what}. Nothing usable was sent to it.`,
    `Start Dementia Companion (or \`dementia serve\`). If it already runs, another program holds port ${port}: stop that program, or move the gateway with --port / DEMENTIA_PORT. Then call the tool again; this client does not need a restart.`,
  );
}

/**
 * local-proof.ts from the caller's side: the gateway at `baseUrl` proves it holds `key` (and listens
 * on that very port) before the caller proves anything; then the caller gets a session token.
 * Network errors are thrown as they come, for the caller's retry logic.
 */
export async function proveToGateway(baseUrl: string, key: ProofKey, scope: ProofScope): Promise<ProvenSession> {
  const port = Number(new URL(baseUrl).port || 80);
  const callerNonce = newNonce();
  const challenge = await postJson(`${baseUrl}${CHALLENGE_PATH}`, { key: key.id, nonce: callerNonce });
  const nonce = challenge.body.nonce;
  if (
    challenge.status !== 200 ||
    typeof nonce !== 'string' ||
    !NONCE_SHAPE.test(nonce) ||
    !proofsEqual(gatewayProof(key, port, callerNonce, nonce), challenge.body.proof)
  ) {
    if (challenge.status === 401 && key.id !== LOCAL_KEY_ID) {
      throw new UserError(
        GATEWAY_REFUSED,
        `The gateway on port ${port} does not know this client token (its client was removed, or the token rotated), or that port is not Dementia Companion.`,
        'Connect with --client NAME instead (no token needed), or put the current token in DEMENTIA_TOKEN / --token-file.',
      );
    }
    throw notOurGateway(port, key);
  }
  const session = await postJson(`${baseUrl}${SESSION_PATH}`, {
    key: key.id,
    nonce,
    scope: scope.kind,
    client: scope.kind === 'client' ? scope.client : undefined,
    proof: callerProof(key, port, nonce, scope),
  });
  const token = session.body.token;
  if (session.status !== 200 || typeof token !== 'string') {
    const reason = typeof session.body.error === 'string' ? session.body.error : `It answered HTTP ${session.status}.`;
    throw new UserError(GATEWAY_REFUSED, `The gateway refused the bridge: ${reason}`);
  }
  return { token, client: (session.body.client as ProvenSession['client']) ?? null };
}

/** True for errors a caller should wait out like an unreachable gateway (the real one may come back). */
export const isNotOurGateway = (error: unknown): error is UserError => error instanceof UserError && error.code === NOT_OUR_GATEWAY;
export const isRefusal = (error: unknown): error is UserError => error instanceof UserError && error.code === GATEWAY_REFUSED;

/**
 * The bridge's credentials: one proven session per gateway address, asked for on first use and
 * again after `forget()` (the gateway restarted, moved, or refused the session token).
 */
export class GatewayCredentials {
  private readonly key: () => ProofKey;
  private readonly scope: ProofScope;
  private cached: { baseUrl: string; authorization: Promise<string> } | undefined;

  constructor(key: () => ProofKey, scope: ProofScope) {
    this.key = key;
    this.scope = scope;
  }

  authorization(mcpUrl: string): Promise<string> {
    const baseUrl = new URL(mcpUrl).origin;
    if (this.cached?.baseUrl === baseUrl) return this.cached.authorization;
    const authorization = proveToGateway(baseUrl, this.key(), this.scope).then((session) => `Bearer ${session.token}`);
    const entry = { baseUrl, authorization };
    this.cached = entry;
    authorization.catch(() => {
      if (this.cached === entry) this.cached = undefined;
    });
    return authorization;
  }

  forget(): void {
    this.cached = undefined;
  }
}
