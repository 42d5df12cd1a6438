import type { IncomingMessage } from 'node:http';
import type Provider from 'oidc-provider';
import { bearerAuthChallengeResponse, OAuthError, OAuthErrorCode, verifyBearerToken, type AuthInfo } from '@modelcontextprotocol/server';
import type { Clock } from '../../clock.ts';
import { sha256Hex } from '../../secrets.ts';
import type { AuthenticatedCaller, AuthRefusal } from '../hosted-auth.ts';
import { MCP_SCOPE } from './authorization-server.ts';
import { parseAccountId } from './client-identity.ts';
import { isStoreDown, storeUnreachableText } from './store-unavailable.ts';
import type { Verified, VerifiedTokens } from './verified-tokens.ts';
import { CallerConfirmation } from '../caller-confirmation.ts';
import { servedCheck, type RemoteClient, type RemoteClientDirectory } from '../remote-clients.ts';

export interface BearerAuthDeps {
  provider: Provider;
  clients: RemoteClientDirectory;
  resourceUrl: URL;
  resourceMetadataUrl: string;
  clock: Clock;
  verified: VerifiedTokens;
}

/** The store could not say whether a token is good, and no recent answer is remembered. */
class StoreDown extends Error {}

/**
 * Recognizes the caller of an MCP request from its bearer token, with the MCP SDK's resource-server
 * checks (header shape, audience = the MCP endpoint, expiry) around our lookup: the token in the
 * authorization server's store, then its client and tenant, which must still be served (a revoked
 * client or a removed tenant is refused on its next request).
 */
export class BearerAuth {
  private readonly deps: BearerAuthDeps;

  constructor(deps: BearerAuthDeps) {
    this.deps = deps;
  }

  /**
   * The caller of an MCP request, or the refusal to send. With `confirmLater`, a token confirmed
   * before comes back at once with its check `unconfirmed`, for the request's first transaction to
   * take along (see caller-confirmation.ts); otherwise the check is made here.
   */
  async authenticate(req: IncomingMessage, options: { confirmLater?: boolean } = {}): Promise<AuthenticatedCaller | AuthRefusal> {
    let caller: AuthenticatedCaller | undefined;
    const verifier = {
      verifyAccessToken: async (token: string): Promise<AuthInfo> => {
        const verified = await this.verify(token, options.confirmLater === true);
        caller = verified.caller;
        return verified.info;
      },
    };
    try {
      await verifyBearerToken(req.headers.authorization, {
        verifier,
        expectedResource: this.deps.resourceUrl,
        resourceMetadataUrl: this.deps.resourceMetadataUrl,
      });
      return caller!;
    } catch (error) {
      if (error instanceof StoreDown) {
        return {
          status: 503,
          headers: { 'content-type': 'application/json', 'retry-after': '5' },
          body: { error: 'temporarily_unavailable', error_description: storeUnreachableText() },
        };
      }
      const response = bearerAuthChallengeResponse(error, { resourceMetadataUrl: this.deps.resourceMetadataUrl, requiredScopes: [MCP_SCOPE] });
      return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.json() };
    }
  }

  private async verify(token: string, confirmLater: boolean): Promise<{ info: AuthInfo; caller: AuthenticatedCaller }> {
    const hash = sha256Hex(token);
    const now = this.deps.clock.now();
    try {
      // A token confirmed before: what it says cannot change, so one statement checks that it is
      // still in the store and its client and tenant still served (a revocation of either is refused
      // on the next request); when that fails, the full lookup below says why.
      const known = this.deps.verified.recall(hash, now);
      if (known && confirmLater) {
        const unconfirmed = new CallerConfirmation({
          tenant: known.caller.tenant,
          statement: servedCheck(known.caller.tenant, known.caller.client.id, hash),
          standalone: () => this.stillServed(hash, known),
          onVerdict: (served) => this.noteVerdict(hash, known, served),
        });
        return { caller: { ...known.caller, unconfirmed }, info: this.info(token, known, known.resource) };
      }
      if (known) {
        const client = await this.recheck(hash, known);
        if (client) return { caller: { tenant: known.caller.tenant, client }, info: this.info(token, known, known.resource) };
      }
      const access = await this.deps.provider.AccessToken.find(token);
      if (!access) throw invalid('The access token is unknown, expired or revoked.');
      const expiresAt = access.exp! * 1000;
      if (expiresAt <= now) throw invalid('The access token has expired.');
      const identity = parseAccountId(access.accountId);
      if (!identity) throw invalid('The access token names no client of this server.');
      const client = await this.deps.clients.findServed(identity.tenant, identity.clientId);
      if (!client) {
        this.deps.verified.forget(hash);
        throw invalid('This client was revoked, or its tenant is no longer served. Sign in again.');
      }
      const verified = {
        caller: { tenant: identity.tenant, client },
        expiresAt,
        verifiedAt: now,
        scopes: (access.scope ?? '').split(' ').filter(Boolean),
        clientId: access.clientId!,
        resource: audienceOf(access.aud),
      };
      this.deps.verified.remember(hash, verified);
      return { caller: verified.caller, info: this.info(token, verified, verified.resource) };
    } catch (error) {
      if (!isStoreDown(error)) throw error;
      const recent = this.deps.verified.recall(hash, now);
      if (!recent) throw new StoreDown();
      return { caller: recent.caller, info: this.info(token, recent, this.deps.resourceUrl) };
    }
  }

  /**
   * A remembered token's one-statement check: its client as the store has it now (kept for the
   * token's next requests, as a full lookup keeps it), or undefined, and then the token is forgotten.
   */
  private async recheck(hash: string, known: Verified): Promise<RemoteClient | undefined> {
    const client = await this.deps.clients.findServed(known.caller.tenant, known.caller.client.id, hash);
    this.noteVerdict(hash, client ? { ...known, caller: { tenant: known.caller.tenant, client } } : known, client !== undefined);
    return client;
  }

  /** A remembered token's check in a round trip of its own; while the store is down, a recently confirmed token still counts. */
  private async stillServed(hash: string, known: Verified): Promise<boolean> {
    try {
      return (await this.recheck(hash, known)) !== undefined;
    } catch (error) {
      if (isStoreDown(error)) return true;
      throw error;
    }
  }

  /** A refused token is looked up in full next time (which says why); a confirmed one counts as confirmed now. */
  private noteVerdict(hash: string, known: Verified, served: boolean): void {
    if (served) this.deps.verified.remember(hash, { ...known, verifiedAt: this.deps.clock.now() });
    else this.deps.verified.forget(hash);
  }

  private info(token: string, verified: { clientId: string; scopes: string[]; expiresAt: number }, resource: URL | undefined): AuthInfo {
    return { token, clientId: verified.clientId, scopes: verified.scopes, expiresAt: Math.floor(verified.expiresAt / 1000), ...(resource ? { resource } : {}) };
  }
}

const invalid = (message: string) => new OAuthError(OAuthErrorCode.InvalidToken, message);

/** The token's audience as a URL (one audience: oidc-provider issues a token for one resource). */
function audienceOf(aud: unknown): URL | undefined {
  const value = Array.isArray(aud) ? (aud.length === 1 ? aud[0] : undefined) : aud;
  return typeof value === 'string' ? (URL.parse(value) ?? undefined) : undefined;
}
