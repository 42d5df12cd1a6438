import type pg from 'pg';
import { systemClock, type Clock } from '../clock.ts';
import { UserError } from '../errors.ts';
import { newId } from '../secrets.ts';
import type { ClientKind, ClientRecord } from '../store/clients.ts';
import { lockKey, quoteIdent } from '../pg/remote-schema.ts';
import { CONTROL_SCHEMA } from './control-schema.ts';
import { HOSTED_ORIGIN, inTransaction } from './pg-transaction.ts';
import { literal, type PreparedStatement } from './prepared-statements.ts';
import { DEFAULT_TENANT_CAPS, type TenantCaps } from './tenant-caps.ts';
import { TENANT_SCHEMA_PATTERN } from './tenant-directory.ts';

/** A sign-in that would add a client beyond the tenant's cap (see TenantCaps). */
export class ClientCapReached extends Error {
  readonly cap: number;
  /** When a client that never made a call will have been dropped, making room; a day when none will. */
  readonly retryAfterSeconds: number;
  /** How long a client that never makes a call is kept. */
  readonly unusedClientMs: number;

  constructor(cap: number, retryAfterSeconds: number, unusedClientMs: number) {
    super(`the tenant already has ${cap} signed-in clients`);
    this.cap = cap;
    this.retryAfterSeconds = retryAfterSeconds;
    this.unusedClientMs = unusedClientMs;
  }
}

/** A client of the hosted server, as the operator and the desktop app see it. */
export interface RemoteClient extends ClientRecord {
  tenant: string;
  /** What identifies the client software across re-registrations (see signIn). */
  clientKey: string;
}

export interface SignInRequest {
  /** The client software's identity: its client ID metadata document URL, or its name and redirect URIs. */
  clientKey: string;
  /** The name it registered with ("claude.ai", "Claude Desktop"). */
  name: string;
  kind: ClientKind;
  /** The user asked for a new client instead of continuing the one this software had. */
  asNewClient: boolean;
}

interface Row {
  id: string;
  name: string;
  kind: ClientKind;
  client_key: string;
  created_at: Date;
  last_seen_at: Date | null;
}

const COLUMNS = 'id, name, kind, client_key, created_at, last_seen_at';
const MAX_NAME = 100;
/** A client id as stored (a UUID): anything else names no client, and is never sent to Postgres as one. */
const CLIENT_ID_PATTERN = /^[0-9a-f-]{36}$/i;
/** Active clients signed in over the hosted server ($1) before $2 that never made a call. */
const UNUSED_BEFORE = 'WHERE revoked_at IS NULL AND last_seen_at IS NULL AND origin = $1 AND created_at < $2';

const toClient = (tenant: string, row: Row): RemoteClient => ({
  tenant,
  id: row.id,
  name: row.name,
  kind: row.kind,
  clientKey: row.client_key,
  pinnedProject: null,
  createdAt: row.created_at.getTime(),
  lastSeenAt: row.last_seen_at?.getTime() ?? null,
  // Sessions of the hosted server are not tracked per client.
  lastContactAt: null,
});

/**
 * The clients of each tenant on the hosted server (`<tenant>.clients`, synced to desktops): every
 * signed-in client has its own identity, active project and work sessions, like a local client.
 */
export class RemoteClientDirectory {
  private readonly pool: pg.Pool;
  private readonly caps: Pick<TenantCaps, 'clientsPerTenant' | 'unusedClientMs'>;
  private readonly clock: Clock;

  constructor(pool: pg.Pool, options: { caps?: Pick<TenantCaps, 'clientsPerTenant' | 'unusedClientMs'>; clock?: Clock } = {}) {
    this.pool = pool;
    this.caps = options.caps ?? DEFAULT_TENANT_CAPS;
    this.clock = options.clock ?? systemClock;
  }

  /**
   * The client a sign-in continues: the same client software (same key) of the same tenant keeps its
   * identity, project and work session across re-authorizations (Claude registers a new OAuth client
   * on every fresh connection flow), unless the user asked for a new client.
   */
  signIn(tenant: string, request: SignInRequest): Promise<RemoteClient> {
    const table = `${quoteIdent(tenant)}.clients`;
    return inTransaction(this.pool, async (client) => {
      // The tenant's change lock (which the insert would take anyway) first: two processes signing
      // the same client in at once must agree on one row.
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [lockKey(tenant, 'changes')]);
      if (!request.asNewClient) {
        const existing = await client.query<Row>(
          `SELECT ${COLUMNS} FROM ${table} WHERE client_key = $1 AND revoked_at IS NULL ORDER BY created_at DESC LIMIT 1`,
          [request.clientKey],
        );
        if (existing.rows[0]) return toClient(tenant, existing.rows[0]);
      }
      await this.makeRoom(client, tenant);
      const name = await this.uniqueName(client, table, request.name);
      const inserted = await client.query<Row>(
        `INSERT INTO ${table} (id, name, kind, client_key, created_at, origin) VALUES ($1, $2, $3, $4, now(), $5) RETURNING ${COLUMNS}`,
        [newId(), name, request.kind, request.clientKey, HOSTED_ORIGIN],
      );
      return toClient(tenant, inserted.rows[0]!);
    });
  }

  /**
   * Drops the tenant's clients that signed in over the hosted server and never made a call within
   * `unusedClientMs`, with their grants and tokens; returns how many.
   */
  async dropUnused(tenant: string): Promise<number> {
    // Every sweep asks; the tenant's change lock (a synced write) only when there is one to drop.
    const due = await this.pool.query(`SELECT 1 FROM ${quoteIdent(tenant)}.clients ${UNUSED_BEFORE} LIMIT 1`, [HOSTED_ORIGIN, this.unusedCutoff()]);
    if (due.rows.length === 0) return 0;
    return inTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [lockKey(tenant, 'changes')]);
      return this.dropUnusedIn(client, tenant);
    });
  }

  /** Within a sign-in that adds a client: drops unused clients when at the cap, and refuses if still at it. */
  private async makeRoom(client: pg.PoolClient, tenant: string): Promise<void> {
    const table = `${quoteIdent(tenant)}.clients`;
    const count = async () => Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE revoked_at IS NULL`)).rows[0]!.n);
    if ((await count()) < this.caps.clientsPerTenant) return;
    if ((await this.dropUnusedIn(client, tenant)) > 0 && (await count()) < this.caps.clientsPerTenant) return;
    const oldestUnused = await client.query<{ created_at: Date }>(
      `SELECT min(created_at) AS created_at FROM ${table} WHERE revoked_at IS NULL AND last_seen_at IS NULL AND origin = $1`,
      [HOSTED_ORIGIN],
    );
    const freedAt = oldestUnused.rows[0]?.created_at
      ? oldestUnused.rows[0].created_at.getTime() + this.caps.unusedClientMs
      : this.clock.now() + this.caps.unusedClientMs;
    throw new ClientCapReached(this.caps.clientsPerTenant, Math.max(1, Math.ceil((freedAt - this.clock.now()) / 1000)), this.caps.unusedClientMs);
  }

  /** Clients that signed in before this and never made a call are dropped. */
  private unusedCutoff(): Date {
    return new Date(this.clock.now() - this.caps.unusedClientMs);
  }

  private async dropUnusedIn(client: pg.PoolClient, tenant: string): Promise<number> {
    const dropped = await client.query<{ id: string }>(`UPDATE ${quoteIdent(tenant)}.clients SET revoked_at = now() ${UNUSED_BEFORE} RETURNING id`, [
      HOSTED_ORIGIN,
      this.unusedCutoff(),
    ]);
    if (dropped.rows.length === 0) return 0;
    // Its grant, codes and tokens (oidc-provider's accountId is "<tenant>/<client id>", see accountIdOf).
    await client.query(`DELETE FROM ${quoteIdent(CONTROL_SCHEMA)}.oauth_state WHERE payload->>'accountId' = ANY($1::text[])`, [
      dropped.rows.map((row) => `${tenant}/${row.id}`),
    ]);
    return dropped.rows.length;
  }

  /** An active (not revoked) client of the tenant, or undefined. */
  async find(tenant: string, id: string): Promise<RemoteClient | undefined> {
    if (!CLIENT_ID_PATTERN.test(id)) return undefined;
    const result = await this.pool.query<Row>(`SELECT ${COLUMNS} FROM ${quoteIdent(tenant)}.clients WHERE id = $1 AND revoked_at IS NULL`, [id]);
    return result.rows[0] ? toClient(tenant, result.rows[0]) : undefined;
  }

  /**
   * An active client of a tenant that is still served, or undefined: the check behind every hosted
   * request (one indexed query), so a revoked client or a removed tenant is refused at once. With
   * `accessTokenHash`, also only while that access token is in the authorization server's store (not
   * expired, not revoked): a remembered token's whole check in one statement (BearerAuth), which a
   * call's transaction may also take along (servedCheck).
   */
  async findServed(tenant: string, id: string, accessTokenHash?: string): Promise<RemoteClient | undefined> {
    if (!CLIENT_ID_PATTERN.test(id) || !TENANT_SCHEMA_PATTERN.test(tenant)) return undefined;
    const result = await this.pool
      .query<Row>(
        `SELECT ${COLUMNS} FROM ${quoteIdent(tenant)}.clients WHERE ${servedWhere(accessTokenHash !== undefined)}`,
        accessTokenHash === undefined ? [id, tenant] : [id, tenant, accessTokenHash],
      )
      // A schema the operator dropped serves no one (undefined table or schema).
      .catch((error: unknown) => (isMissingSchema(error) ? { rows: [] as Row[] } : Promise.reject(error)));
    return result.rows[0] ? toClient(tenant, result.rows[0]) : undefined;
  }

  async list(tenant: string): Promise<RemoteClient[]> {
    const result = await this.pool.query<Row>(`SELECT ${COLUMNS} FROM ${quoteIdent(tenant)}.clients WHERE revoked_at IS NULL ORDER BY created_at`);
    return result.rows.map((row) => toClient(tenant, row));
  }

  /** Revokes a client by id or name: its tokens are refused from the next request on. */
  async revoke(tenant: string, idOrName: string): Promise<RemoteClient> {
    const table = `${quoteIdent(tenant)}.clients`;
    const revoked = await inTransaction(this.pool, async (client) => {
      // The id in its own parameter: one parameter cannot be both a uuid and text.
      const byId = CLIENT_ID_PATTERN.test(idOrName);
      const result = await client.query<Row>(
        `UPDATE ${table} SET revoked_at = now() WHERE (${byId ? 'id = $2::uuid OR ' : ''}lower(name) = lower($1)) AND revoked_at IS NULL RETURNING ${COLUMNS}`,
        byId ? [idOrName, idOrName] : [idOrName],
      );
      if (result.rows.length > 1) throw new UserError('AMBIGUOUS_CLIENT', `Several clients are named "${idOrName}".`, 'Pass the client id instead.');
      return result.rows[0];
    });
    if (revoked) return toClient(tenant, revoked);
    const names = (await this.list(tenant)).map((c) => `"${c.name}" (${c.id})`);
    throw new UserError(
      'CLIENT_NOT_FOUND',
      `Tenant ${tenant} has no client "${idOrName}".`,
      names.length > 0 ? `Its clients: ${names.join(', ')}.` : 'It has no signed-in clients.',
    );
  }

  /** "claude.ai", then "claude.ai (2)", ...: two clients of one tenant are told apart in every list. */
  private async uniqueName(client: pg.PoolClient, table: string, wanted: string): Promise<string> {
    const base = wanted.trim().slice(0, MAX_NAME - 5) || 'MCP client';
    const taken = new Set(
      (await client.query<{ name: string }>(`SELECT lower(name) AS name FROM ${table} WHERE revoked_at IS NULL`)).rows.map((row) => row.name),
    );
    if (!taken.has(base.toLowerCase())) return base;
    for (let n = 2; ; n++) if (!taken.has(`${base} (${n})`.toLowerCase())) return `${base} (${n})`;
  }
}

/**
 * Where a client is served: $1 its id, $2 its tenant (which must still be served), and with a
 * token $3 the hash of an access token that must still be in the authorization server's store.
 * The client table is `clients` as the statement's search path or FROM names it.
 */
function servedWhere(withToken: boolean): string {
  const control = quoteIdent(CONTROL_SCHEMA);
  const tokenIssued = withToken
    ? ` AND EXISTS (SELECT 1 FROM ${control}.oauth_state WHERE kind = 'AccessToken' AND id_hash = $3 AND (expires_at IS NULL OR expires_at > now()))`
    : '';
  return `id = $1 AND revoked_at IS NULL AND EXISTS (SELECT 1 FROM ${control}.tenants WHERE schema = $2 AND removed_at IS NULL)${tokenIssued}`;
}

const SERVED_CHECK = `SELECT EXISTS (SELECT 1 FROM clients WHERE ${servedWhere(true)}) AS served`;

/**
 * findServed's check of a remembered token as a read for the BEGIN round trip of a transaction on
 * the tenant's schema (its search_path names `clients`): one row, `served`.
 */
export function servedCheck(tenant: string, clientId: string, accessTokenHash: string): PreparedStatement {
  return { text: SERVED_CHECK, values: [literal(clientId, 'uuid'), literal(tenant, 'text'), literal(accessTokenHash, 'text')] };
}

/** Undefined table or schema: what a tenant schema the operator dropped answers. */
const isMissingSchema = (error: unknown): boolean => ['42P01', '3F000'].includes((error as { code?: string } | null)?.code ?? '');
