import type { ClientBase } from 'pg';
import { ensureSchema, quoteIdent, type SchemaMigration } from '../sync/remote-schema.ts';

/**
 * The hosted server's own schema: the registered tenants (API key hashes) and its OAuth state. No
 * tenant's memory is here; that stays in the tenant schemas `dementia_<16 hex>`, which this name
 * can never collide with (it is not hex).
 */
export const CONTROL_SCHEMA = 'dementia_hosted';

/** Append only: a released migration never changes. */
export const CONTROL_MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    name: 'tenants',
    sql: (schema) => {
      const s = quoteIdent(schema);
      return `
        CREATE TABLE ${s}.tenants (
          schema text PRIMARY KEY CHECK (schema ~ '^dementia_[0-9a-f]{16}$'),
          -- hex sha256 of the API key: the key itself is shown once and never stored.
          key_hash text NOT NULL UNIQUE,
          label text NOT NULL DEFAULT '',
          created_at timestamptz NOT NULL DEFAULT now(),
          -- A removed tenant is no longer served; its schema and data stay until the operator drops them.
          removed_at timestamptz
        );
      `;
    },
  },
];

/** Creates the control schema and brings it up to date (several hosted processes may start at once). */
export function ensureControlSchema(client: ClientBase): Promise<void> {
  return ensureSchema(client, CONTROL_SCHEMA, CONTROL_MIGRATIONS);
}
