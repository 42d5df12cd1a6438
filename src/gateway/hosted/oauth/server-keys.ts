import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { JWK } from 'oidc-provider';
import { quoteIdent } from '../../pg/remote-schema.ts';
import { CONTROL_SCHEMA } from '../control-schema.ts';

/** The keys every hosted process must share, or a flow started on one could not finish on another. */
export interface ServerKeys {
  /** Signs what the authorization server signs (ID tokens if a client asks for them). */
  signing: { keys: JWK[] };
  /** Sign the interaction and session cookies. */
  cookies: string[];
}

const KEYS = `${quoteIdent(CONTROL_SCHEMA)}.oauth_keys`;

const MAKERS: { [K in keyof ServerKeys]: () => ServerKeys[K] } = {
  signing: () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' } as JWK] };
  },
  cookies: () => [randomBytes(32).toString('base64url')],
};

/** The keys in the control schema; the first process to start makes them (a concurrent one adopts them). */
export async function loadServerKeys(pool: pg.Pool): Promise<ServerKeys> {
  return {
    signing: await loadOrMake(pool, 'signing', MAKERS.signing),
    cookies: await loadOrMake(pool, 'cookies', MAKERS.cookies),
  };
}

/** The key that signs MCP session ids (see http/session-ids.ts): every process must know whose an id is. */
export async function loadSessionIdKey(pool: pg.Pool): Promise<Buffer> {
  return Buffer.from(await loadOrMake(pool, 'session-ids', () => randomBytes(32).toString('base64url')), 'base64url');
}

async function loadOrMake<T>(pool: pg.Pool, name: string, make: () => T): Promise<T> {
  const read = async () => (await pool.query<{ value: T }>(`SELECT value FROM ${KEYS} WHERE name = $1`, [name])).rows[0]?.value;
  const existing = await read();
  if (existing) return existing;
  await pool.query(`INSERT INTO ${KEYS} (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [name, JSON.stringify(make())]);
  return (await read())!;
}
