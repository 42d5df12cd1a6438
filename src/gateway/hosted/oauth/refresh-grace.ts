import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { sha256Hex } from '../../secrets.ts';
import { quoteIdent } from '../../pg/remote-schema.ts';
import { CONTROL_SCHEMA } from '../control-schema.ts';
import type { OAuthStore } from './pg-oauth-adapter.ts';

/**
 * How long a refresh token that was just rotated is still honoured, with the same answer: Claude's
 * clients refresh in parallel and take `invalid_grant` as "sign in again".
 */
export const REFRESH_GRACE_SECONDS = 30;
/** How long a refresh that lost the race waits for the winner's answer to be stored. */
const WAIT_FOR_WINNER_MS = 3_000;

const STATE = `${quoteIdent(CONTROL_SCHEMA)}.oauth_state`;
const KIND = 'RefreshGrace';

interface TokenAnswer {
  [field: string]: unknown;
}

/**
 * Refresh requests as real clients send them:
 * - a refresh refused for its `resource` spends nothing (checked before oidc-provider rotates);
 * - the answer to a rotation is kept for REFRESH_GRACE_SECONDS, encrypted with a key derived from
 *   the old refresh token (only its hash is stored, so the store cannot read the answer), and given
 *   again to a refresh with the same token in that time, on any process;
 * - after that, reuse of a rotated token revokes the grant, as oidc-provider does.
 */
export class RefreshGrace {
  private readonly store: OAuthStore;
  private readonly checkResource: (indicator: string) => void;
  /** Refreshes that passed beforeSpending: an invalid_grant after that is a lost race for the same token. */
  private readonly spending = new WeakSet<KoaContextWithOIDC>();

  constructor(store: OAuthStore, checkResource: (indicator: string) => void) {
    this.store = store;
    this.checkResource = checkResource;
  }

  /**
   * Called from findAccount, which oidc-provider runs before it spends a refresh token. Throws to
   * stop the grant without spending or revoking: a wrong resource, or a token rotated within the
   * grace period (whose kept answer `answerAgain` then sends).
   */
  beforeSpending(ctx: KoaContextWithOIDC, token: { kind?: string; consumed?: unknown } | undefined): void {
    if (ctx.oidc?.route !== 'token' || token?.kind !== 'RefreshToken') return;
    const resource = ctx.oidc.params?.resource;
    if (typeof resource === 'string') this.checkResource(resource);
    if (typeof token.consumed === 'number') {
      if (this.store.clock.now() / 1000 - token.consumed <= REFRESH_GRACE_SECONDS) throw new errors.InvalidGrant('refresh token rotated moments ago');
      return; // reuse after the grace period: oidc-provider revokes the grant
    }
    this.spending.add(ctx);
  }

  /** Koa middleware around the token endpoint: keeps each rotation's answer, and gives it again within the grace period. */
  middleware() {
    return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
      await next();
      const params = ctx.oidc?.params;
      if (ctx.oidc?.route !== 'token' || params?.grant_type !== 'refresh_token' || typeof params.refresh_token !== 'string') return;
      const presented = params.refresh_token;
      if (ctx.status === 200 && ctx.oidc.entities.RotatedRefreshToken) {
        await this.keep(presented, ctx.body as TokenAnswer);
        return;
      }
      const consumed = (ctx.oidc.entities.RefreshToken as { consumed?: unknown } | undefined)?.consumed;
      const refused = ctx.status === 400 && (ctx.body as { error?: string } | undefined)?.error === 'invalid_grant';
      const rotatedMomentsAgo = typeof consumed === 'number' && this.store.clock.now() / 1000 - consumed <= REFRESH_GRACE_SECONDS;
      // Unknown, expired or revoked tokens never get here: they are refused before beforeSpending passes.
      if (!refused || !(rotatedMomentsAgo || this.spending.has(ctx))) return;
      const answer = await this.kept(presented);
      if (answer) {
        ctx.status = 200;
        ctx.body = answer;
      }
    };
  }

  private async keep(presented: string, answer: TokenAnswer): Promise<void> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', keyOf(presented), iv);
    const sealed = Buffer.concat([cipher.update(JSON.stringify(answer), 'utf8'), cipher.final()]);
    const payload = { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), sealed: sealed.toString('base64') };
    await this.store.query(
      `INSERT INTO ${STATE} (kind, id_hash, payload, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4::integer))
       ON CONFLICT (kind, id_hash) DO NOTHING`,
      [KIND, sha256Hex(presented), payload, REFRESH_GRACE_SECONDS * 2],
    );
  }

  /** The kept answer for a presented token; waits a moment for a parallel winner that has not stored it yet. */
  private async kept(presented: string): Promise<TokenAnswer | undefined> {
    const started = Date.now();
    for (;;) {
      const result = await this.store.query<{ payload: { iv: string; tag: string; sealed: string } }>(
        `SELECT payload FROM ${STATE} WHERE kind = $1 AND id_hash = $2`,
        [KIND, sha256Hex(presented)],
      );
      const row = result.rows[0];
      if (row) {
        const decipher = createDecipheriv('aes-256-gcm', keyOf(presented), Buffer.from(row.payload.iv, 'base64'));
        decipher.setAuthTag(Buffer.from(row.payload.tag, 'base64'));
        return JSON.parse(Buffer.concat([decipher.update(Buffer.from(row.payload.sealed, 'base64')), decipher.final()]).toString('utf8')) as TokenAnswer;
      }
      if (Date.now() - started > WAIT_FOR_WINNER_MS) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** The answer's key: from the refresh token itself, which the store never holds. */
const keyOf = (presented: string): Buffer => createHash('sha256').update(`refresh-grace:${presented}`).digest();
