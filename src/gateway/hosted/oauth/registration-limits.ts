import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../clock.ts';
import { quoteIdent } from '../../pg/remote-schema.ts';
import { CONTROL_SCHEMA } from '../control-schema.ts';
import { clientAddress } from './client-address.ts';
import type { OAuthStore } from './pg-oauth-adapter.ts';
import { setNewest } from '../../bounded-map.ts';

/**
 * Dynamic client registration is anonymous (the MCP spec asks for it), so its cost is bounded here:
 * - a registration's metadata is at most MAX_METADATA_BYTES;
 * - each client address registers at most `perAddress` clients per window, per process (generous:
 *   claude.ai registers from Anthropic's servers for all its users, though it prefers metadata
 *   documents, which register nothing);
 * - at most `unusedClients` registrations that never completed a sign-in are kept; beyond that the
 *   oldest are dropped first (a client that signed in is kept as long as its tokens).
 * The control schema therefore holds at most about unusedClients x 8 KB of unused registrations.
 */
export const REGISTRATION_LIMITS = { maxMetadataBytes: 8 * 1024, perAddress: 300, windowSeconds: 10 * 60, unusedClients: 5_000 };

export type RegistrationLimitSettings = Partial<typeof REGISTRATION_LIMITS>;

const STATE = `${quoteIdent(CONTROL_SCHEMA)}.oauth_state`;
/** Unused clients are stored for a day (see PgOAuthAdapter); a client in use is kept far longer. */
const UNUSED_CLIENT_HORIZON = `interval '1 day 1 minute'`;
/** Address windows kept in memory at most (the oldest go first), so the limiter itself is bounded. */
const MAX_TRACKED_ADDRESSES = 10_000;

export class RegistrationLimits {
  private readonly limits: typeof REGISTRATION_LIMITS;
  private readonly windows = new Map<string, { endsAt: number; count: number }>();
  private readonly store: OAuthStore;
  private readonly clock: Clock;
  private readonly trustedProxies: number;

  constructor(deps: { store: OAuthStore; clock: Clock; trustedProxies: number; limits?: RegistrationLimitSettings | undefined }) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.trustedProxies = deps.trustedProxies;
    this.limits = { ...REGISTRATION_LIMITS, ...deps.limits };
  }

  /** Answers a registration that goes over a limit (true), or lets it through (false). */
  refuse(req: IncomingMessage, res: ServerResponse): boolean {
    const length = Number(req.headers['content-length']);
    if (!Number.isFinite(length) || length > this.limits.maxMetadataBytes) {
      answer(res, 400, {
        error: 'invalid_client_metadata',
        error_description: `client metadata must be sent with a Content-Length of at most ${this.limits.maxMetadataBytes} bytes`,
      });
      req.resume();
      return true;
    }
    const now = this.clock.now();
    const address = clientAddress(req, this.trustedProxies);
    let window = this.windows.get(address);
    if (!window || window.endsAt <= now) {
      window = { endsAt: now + this.limits.windowSeconds * 1000, count: 0 };
      setNewest(this.windows, address, window, MAX_TRACKED_ADDRESSES);
    }
    window.count++;
    if (window.count > this.limits.perAddress) {
      const retryAfter = Math.max(1, Math.ceil((window.endsAt - now) / 1000));
      res.setHeader('retry-after', String(retryAfter));
      answer(res, 429, {
        error: 'too_many_requests',
        error_description: `this address registered ${this.limits.perAddress} clients in ${this.limits.windowSeconds / 60} minutes; try again in ${retryAfter} s`,
      });
      req.resume();
      return true;
    }
    return false;
  }

  /** Once a registration is saved (OAuthStore): drops the oldest unused registrations beyond the cap. */
  async dropOldestUnused(): Promise<void> {
    await this.store.query(
      `DELETE FROM ${STATE} WHERE kind = 'Client' AND id_hash IN (
         SELECT id_hash FROM ${STATE} WHERE kind = 'Client' AND expires_at <= now() + ${UNUSED_CLIENT_HORIZON}
         ORDER BY expires_at DESC OFFSET $1)`,
      [this.limits.unusedClients],
    );
  }
}

function answer(res: ServerResponse, status: number, body: Record<string, string>): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}
