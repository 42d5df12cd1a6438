import type pg from 'pg';
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { Clock } from '../../clock.ts';
import { sha256Hex } from '../../secrets.ts';
import { quoteIdent } from '../../pg/remote-schema.ts';
import { CONTROL_SCHEMA } from '../control-schema.ts';
import { isUnreachable } from '../pg-transaction.ts';
import { hashClientSecret } from './client-secrets.ts';
import { storeUnavailableError } from './store-unavailable.ts';

const STATE = `${quoteIdent(CONTROL_SCHEMA)}.oauth_state`;
const FAILURES = `${quoteIdent(CONTROL_SCHEMA)}.sign_in_failures`;

/** A registered client that never completes a sign-in is forgotten after a day. */
const UNUSED_CLIENT_SECONDS = 24 * 60 * 60;
/** Expired rows (and ended sign-in limit windows) are deleted at most this often by each process, on a write. */
const PURGE_EVERY_MS = 10 * 60_000;

interface Row {
  payload: AdapterPayload;
  consumed_at: Date | null;
}

/** State the adapters of one authorization server share. */
export class OAuthStore {
  readonly pool: pg.Pool;
  readonly clock: Clock;
  /** Run once a client registration is saved, before it is answered (the cap on unused registrations). */
  readonly clientSaved: () => Promise<void>;
  private lastPurge = -Infinity;

  constructor(pool: pg.Pool, clock: Clock, clientSaved: () => Promise<void> = async () => {}) {
    this.pool = pool;
    this.clock = clock;
    this.clientSaved = clientSaved;
  }

  /** One statement; connection trouble becomes a 503 the client can read. */
  async query<T extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<T>> {
    try {
      return await this.pool.query<T>(text, values);
    } catch (error) {
      throw isUnreachable(error) ? storeUnavailableError(error) : error;
    }
  }

  async purgeExpiredNowAndThen(): Promise<void> {
    const now = this.clock.now();
    if (now - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now;
    await this.query(`DELETE FROM ${STATE} WHERE expires_at < now()`, []);
    // The sign-in limiter's windows are counted on the same clock (see SignInLimiter).
    await this.query(`DELETE FROM ${FAILURES} WHERE window_ends_at < to_timestamp($1::bigint / 1000.0)`, [now]);
  }
}

/**
 * oidc-provider's storage in the control schema, for one model kind. Rows are keyed by the hash of
 * the model's id, because for codes, tokens, sessions and interactions the id is the secret the
 * client or browser holds: the store can find them when presented, but never hands them out. The
 * payload never carries the id either (oidc-provider puts it in `jti`; it is restored on read).
 */
export class PgOAuthAdapter implements Adapter {
  private readonly store: OAuthStore;
  private readonly kind: string;

  constructor(store: OAuthStore, kind: string) {
    this.store = store;
    this.kind = kind;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const lifetime = expiresIn ?? (this.kind === 'Client' ? UNUSED_CLIENT_SECONDS : undefined);
    await this.store.query(
      `INSERT INTO ${STATE} (kind, id_hash, payload, grant_id, uid, expires_at)
       VALUES ($1, $2, $3, $4, $5, CASE WHEN $6::integer IS NULL THEN NULL ELSE now() + make_interval(secs => $6::integer) END)
       ON CONFLICT (kind, id_hash) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id, uid = excluded.uid, expires_at = excluded.expires_at`,
      [
        this.kind,
        sha256Hex(id),
        storedPayload(this.kind, payload),
        payload.grantId ?? null,
        this.kind === 'Session' ? (payload.uid ?? null) : null,
        lifetime ?? null,
      ],
    );
    if (this.kind === 'Client') await this.store.clientSaved();
    if ((this.kind === 'AuthorizationCode' || this.kind === 'RefreshToken') && payload.clientId && lifetime !== undefined) {
      await this.keepClient(payload.clientId, lifetime + UNUSED_CLIENT_SECONDS);
    }
    await this.store.purgeExpiredNowAndThen();
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const result = await this.store.query<Row>(
      `SELECT payload, consumed_at FROM ${STATE} WHERE kind = $1 AND id_hash = $2 AND (expires_at IS NULL OR expires_at > now())`,
      [this.kind, sha256Hex(id)],
    );
    return loaded(this.kind, id, result.rows[0]);
  }

  /** The device flow, the only user of user codes, is not enabled. */
  async findByUserCode(): Promise<undefined> {
    return undefined;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const result = await this.store.query<Row & { id_hash: string }>(
      `SELECT payload, consumed_at FROM ${STATE} WHERE kind = $1 AND uid = $2 AND (expires_at IS NULL OR expires_at > now())`,
      [this.kind, uid],
    );
    const row = result.rows[0];
    // The id (the session cookie) is not stored: a session found by uid is read, never re-saved under its id.
    return row ? { ...row.payload, ...(row.consumed_at ? { consumed: Math.floor(row.consumed_at.getTime() / 1000) } : undefined) } : undefined;
  }

  /** Single use, even when two processes race with the same code or refresh token: one of them wins. */
  async consume(id: string): Promise<void> {
    const result = await this.store.query(`UPDATE ${STATE} SET consumed_at = now() WHERE kind = $1 AND id_hash = $2 AND consumed_at IS NULL`, [
      this.kind,
      sha256Hex(id),
    ]);
    if (result.rowCount === 0) throw new errors.InvalidGrant(`${this.kind} already used`);
  }

  async destroy(id: string): Promise<void> {
    await this.store.query(`DELETE FROM ${STATE} WHERE kind = $1 AND id_hash = $2`, [this.kind, sha256Hex(id)]);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.store.query(`DELETE FROM ${STATE} WHERE kind = $1 AND grant_id = $2`, [this.kind, grantId]);
  }

  /** A client in use stays registered as long as its codes and refresh tokens live (and a day more). */
  private async keepClient(clientId: string, seconds: number): Promise<void> {
    await this.store.query(
      `UPDATE ${STATE} SET expires_at = now() + make_interval(secs => $2::integer)
       WHERE kind = 'Client' AND id_hash = $1 AND expires_at < now() + make_interval(secs => $2::integer)`,
      [sha256Hex(clientId), seconds],
    );
  }
}

/** The payload as stored: without the id, the session cookie or a client secret. */
function storedPayload(kind: string, payload: AdapterPayload): AdapterPayload {
  const stored: AdapterPayload & { session?: Record<string, unknown> } = { ...payload };
  delete stored.jti;
  if (kind === 'Interaction' && stored.session) {
    // The session's id is its cookie; oidc-provider keeps a copy here that it never reads back.
    stored.session = { ...stored.session };
    delete stored.session.cookie;
  }
  if (kind === 'Client' && typeof stored.client_secret === 'string') stored.client_secret = hashClientSecret(stored.client_secret);
  return stored;
}

function loaded(kind: string, id: string, row: Row | undefined): AdapterPayload | undefined {
  if (!row) return undefined;
  return {
    ...row.payload,
    ...(kind === 'Client' ? undefined : { jti: id }),
    ...(row.consumed_at ? { consumed: Math.floor(row.consumed_at.getTime() / 1000) } : undefined),
  };
}
