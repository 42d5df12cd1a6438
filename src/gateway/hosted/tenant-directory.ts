import type pg from 'pg';
import { UserError } from '../errors.ts';
import { API_KEY_MIN_LENGTH, apiKeyProblem, STRONG_KEY_ADVICE } from '../api-key-rule.ts';
import { digestsEqual, newToken, sha256Hex } from '../secrets.ts';
import { ensureRemoteSchema, quoteIdent } from '../pg/remote-schema.ts';
import { tenantSchema } from '../pg/remote-schema.ts';
import { CONTROL_SCHEMA, ensureControlSchema } from './control-schema.ts';

export interface Tenant {
  /** `dementia_<first 16 hex of sha256(api key)>`: the schema a desktop with the same key syncs with. */
  schema: string;
  label: string;
  createdAt: number;
  /**
   * `weak`: under the API key rule (registered before it was enforced); `unknown`: registered before
   * key lengths were recorded and not signed in with since.
   */
  keyStrength: KeyStrength;
  /** The key's length in characters, when known (never the key). */
  keyLength: number | null;
}

export type KeyStrength = 'strong' | 'weak' | 'unknown';

const TENANTS = `${quoteIdent(CONTROL_SCHEMA)}.tenants`;
/** What a tenant schema is called: `dementia_` and the first 16 hex digits of sha256(API key). */
export const TENANT_SCHEMA_PATTERN = /^dementia_[0-9a-f]{16}$/;

interface TenantRow {
  schema: string;
  key_hash: string;
  label: string;
  created_at: Date;
  key_length: number | null;
}

const COLUMNS = 'schema, key_hash, label, created_at, key_length';
const strengthOf = (length: number | null): KeyStrength => (length === null ? 'unknown' : length < API_KEY_MIN_LENGTH ? 'weak' : 'strong');
const toTenant = (row: TenantRow): Tenant => ({
  schema: row.schema,
  label: row.label,
  createdAt: row.created_at.getTime(),
  keyStrength: strengthOf(row.key_length),
  keyLength: row.key_length,
});

/**
 * The tenants the hosted server serves: registered by an operator (`dementia tenants add`), known
 * by the hash of their API key only. Each tenant's memory is its own schema.
 */
export class TenantDirectory {
  private readonly pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  /** Creates the control schema when needed; every hosted command calls this first. */
  async prepare(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await ensureControlSchema(client);
    } finally {
      client.release();
    }
  }

  /**
   * Registers a tenant. Without `apiKey` a new key is made; with one (a key a desktop already syncs
   * with) its existing schema is served as it is. The key is returned once and stored only as a hash.
   */
  async add(options: { label?: string; apiKey?: string } = {}): Promise<{ apiKey: string; tenant: Tenant }> {
    // A generated key: 32 random bytes (256 bits).
    const apiKey = options.apiKey ?? newToken('dmk');
    const problem = apiKeyProblem(apiKey);
    if (problem) {
      throw new UserError(
        'WEAK_API_KEY',
        `This API key cannot be registered: ${problem}. A strong key is ${STRONG_KEY_ADVICE}.`,
        'Run `dementia tenants add` without --key-from-stdin to have a strong key made, or pipe in a longer random key (and set the desktop to the same one).',
      );
    }
    const schema = tenantSchema(apiKey);
    const client = await this.pool.connect();
    try {
      await ensureRemoteSchema(client, schema, { hosted: true });
      const inserted = await client.query<TenantRow>(
        `INSERT INTO ${TENANTS} (schema, key_hash, label, key_length) VALUES ($1, $2, $3, $4)
         ON CONFLICT (schema) DO UPDATE SET removed_at = NULL, key_length = excluded.key_length, label = CASE WHEN excluded.label = '' THEN ${TENANTS}.label ELSE excluded.label END
           WHERE ${TENANTS}.removed_at IS NOT NULL
         RETURNING ${COLUMNS}`,
        [schema, sha256Hex(apiKey), options.label ?? '', apiKey.length],
      );
      const row = inserted.rows[0];
      if (!row) {
        throw new UserError(
          'TENANT_EXISTS',
          `A tenant with this API key is already registered (schema ${schema}).`,
          'Nothing to do; `dementia tenants list` shows it.',
        );
      }
      return { apiKey, tenant: toTenant(row) };
    } finally {
      client.release();
    }
  }

  /** Brings every registered tenant's schema up to date (migrations added since it was registered). */
  async upgradeAll(): Promise<void> {
    for (const tenant of await this.list()) {
      const client = await this.pool.connect();
      try {
        await ensureRemoteSchema(client, tenant.schema, { hosted: true });
      } finally {
        client.release();
      }
    }
  }

  async list(): Promise<Tenant[]> {
    const result = await this.pool.query<TenantRow>(`SELECT ${COLUMNS} FROM ${TENANTS} WHERE removed_at IS NULL ORDER BY created_at`);
    return result.rows.map(toTenant);
  }

  /** Stops serving a tenant at once (its tokens are refused); its schema and data stay. */
  async remove(schema: string): Promise<Tenant> {
    const result = await this.pool.query<TenantRow>(`UPDATE ${TENANTS} SET removed_at = now() WHERE schema = $1 AND removed_at IS NULL RETURNING ${COLUMNS}`, [
      schema,
    ]);
    const row = result.rows[0];
    if (!row) {
      const known = (await this.list()).map((tenant) => tenant.schema);
      throw new UserError(
        'UNKNOWN_TENANT',
        `No tenant with schema "${schema}" is registered.`,
        known.length > 0 ? `Registered tenants: ${known.join(', ')}.` : 'Register one with `dementia tenants add`.',
      );
    }
    return toTenant(row);
  }

  /** The tenant of an API key, or undefined; the hash comparison takes constant time. */
  async findByApiKey(apiKey: string): Promise<Tenant | undefined> {
    const hash = sha256Hex(apiKey);
    const result = await this.pool.query<TenantRow>(`SELECT ${COLUMNS} FROM ${TENANTS} WHERE schema = $1 AND removed_at IS NULL`, [tenantSchema(apiKey)]);
    const row = result.rows[0];
    if (!row || !digestsEqual(row.key_hash, hash)) return undefined;
    if (row.key_length === null) {
      // Registered before lengths were kept: now that the key is seen, `tenants list` can tell if it is weak.
      await this.pool.query(`UPDATE ${TENANTS} SET key_length = $2 WHERE schema = $1`, [row.schema, apiKey.length]);
      row.key_length = apiKey.length;
    }
    return toTenant(row);
  }

  /** A served tenant by its schema, or undefined (unknown or removed). */
  async bySchema(schema: string): Promise<Tenant | undefined> {
    if (!TENANT_SCHEMA_PATTERN.test(schema)) return undefined;
    const result = await this.pool.query<TenantRow>(`SELECT ${COLUMNS} FROM ${TENANTS} WHERE schema = $1 AND removed_at IS NULL`, [schema]);
    const row = result.rows[0];
    return row ? toTenant(row) : undefined;
  }
}
