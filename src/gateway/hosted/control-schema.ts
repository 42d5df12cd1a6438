import type { ClientBase } from 'pg';
import { ensureSchema, quoteIdent, type SchemaMigration } from '../pg/remote-schema.ts';

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
  {
    version: 2,
    name: 'oauth state',
    sql: (schema) => {
      const s = quoteIdent(schema);
      return `
        -- The authorization server's state (oidc-provider models: clients, grants, codes, tokens,
        -- interactions, sessions), shared by every hosted process. A row is keyed by the hex sha256 of
        -- the model's id: for codes, tokens and cookies the id is the secret itself, and it is never
        -- stored, neither here nor in the payload.
        CREATE TABLE ${s}.oauth_state (
          kind text NOT NULL,
          id_hash text NOT NULL,
          payload jsonb NOT NULL,
          -- Tokens and codes of one grant are revoked together (a reused code or refresh token).
          grant_id text,
          -- Sessions are also found by their uid (not a secret: the cookie carries the id).
          uid text,
          expires_at timestamptz,
          consumed_at timestamptz,
          PRIMARY KEY (kind, id_hash)
        );
        CREATE INDEX oauth_state_grant ON ${s}.oauth_state (grant_id) WHERE grant_id IS NOT NULL;
        CREATE INDEX oauth_state_uid ON ${s}.oauth_state (uid) WHERE uid IS NOT NULL;
        CREATE INDEX oauth_state_expiry ON ${s}.oauth_state (expires_at) WHERE expires_at IS NOT NULL;

        -- Keys every process must share: the token signing keys and the cookie signing keys. Made once
        -- by whichever process starts first.
        CREATE TABLE ${s}.oauth_keys (
          name text PRIMARY KEY,
          value jsonb NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now()
        );

        -- Sign-in attempts that did not succeed, per client address and per sign-in page (bucket: a
        -- hash), in fixed windows shared by every process, so API keys cannot be guessed.
        CREATE TABLE ${s}.sign_in_failures (
          bucket text PRIMARY KEY,
          window_ends_at timestamptz NOT NULL,
          failures integer NOT NULL
        );
      `;
    },
  },
  {
    version: 3,
    name: 'tenant key length',
    sql: (schema) => `
      -- Only the key's hash is kept, so its strength is recorded when it is seen: at registration, or
      -- for keys registered before this column, at their next sign-in (NULL until then).
      ALTER TABLE ${quoteIdent(schema)}.tenants ADD COLUMN key_length integer;
    `,
  },
];

/** Creates the control schema and brings it up to date (several hosted processes may start at once). */
export function ensureControlSchema(client: ClientBase): Promise<void> {
  return ensureSchema(client, CONTROL_SCHEMA, CONTROL_MIGRATIONS);
}
