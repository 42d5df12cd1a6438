import pg from 'pg';
import { TenantDirectory } from '../../../src/gateway/hosted/tenant-directory.ts';
import { spawnServe, type ServeProcess } from '../../helpers/cli-process.ts';
import { freePort } from '../../helpers/postgres.ts';
import { pkce, register, signInByHand, tokenRequest } from './oauth-raw.ts';

/** What `dementia serve --hosted` needs, as an operator sets it. */
export interface HostedEnv {
  pgUrl: string;
  /** The load balancer's address: every process of one deployment advertises the same one. */
  publicUrl: string;
  idleMinutes?: number;
  maxConnections?: number;
}

/** A real `dementia serve --hosted` process on `port`. */
export async function startHostedProcess(env: HostedEnv, port?: number): Promise<ServeProcess & { base: URL }> {
  const listenPort = port ?? (await freePort());
  const serve = await spawnServe(['--hosted'], {
    DEMENTIA_PG_URL: env.pgUrl,
    DEMENTIA_PUBLIC_URL: env.publicUrl,
    DEMENTIA_PORT: String(listenPort),
    DEMENTIA_IDLE_MINUTES: String(env.idleMinutes ?? 120),
    ...(env.maxConnections ? { DEMENTIA_PG_MAX_CONNECTIONS: String(env.maxConnections) } : {}),
  });
  return { ...serve, base: new URL(`http://127.0.0.1:${listenPort}`) };
}

/** Registers tenants straight in the control schema, as `dementia tenants add` does. */
export async function addTenants(pgUrl: string, count: number): Promise<{ apiKey: string; schema: string }[]> {
  const pool = new pg.Pool({ connectionString: pgUrl, max: 1 });
  try {
    const tenants = new TenantDirectory(pool);
    await tenants.prepare();
    const added = [];
    for (let i = 0; i < count; i++) {
      const { apiKey, tenant } = await tenants.add({ label: `tenant ${i}` });
      added.push({ apiKey, schema: tenant.schema });
    }
    return added;
  } finally {
    await pool.end();
  }
}

/**
 * An access token for a new client of the tenant, through the real flow a client runs: dynamic
 * registration, the sign-in form with the API key, the code exchange with PKCE.
 */
export async function signedInToken(base: URL, apiKey: string, clientName: string, redirectUri = 'https://claude.ai/api/mcp/auth_callback'): Promise<string> {
  const registration = await register(base, { client_name: clientName, redirect_uris: [redirectUri] });
  const { verifier, challenge } = pkce();
  const resource = new URL('/mcp', base).toString();
  const signedIn = await signInByHand(base, { clientId: registration.client_id, redirectUri, challenge, method: 'S256', resource }, apiKey);
  if (!signedIn.code) throw new Error(`sign-in gave no code: ${signedIn.error ?? ''}`);
  const token = await tokenRequest(base, {
    grant_type: 'authorization_code',
    code: signedIn.code,
    code_verifier: verifier,
    redirect_uri: redirectUri,
    client_id: registration.client_id,
    resource,
  });
  if (token.status !== 200 || !token.body.access_token) throw new Error(`token request answered ${token.status}: ${JSON.stringify(token.body)}`);
  return token.body.access_token;
}

/** One 2025-era tools/call on a session id, as any client can send it: the status, the OAuth challenge and the text answered. */
export async function callOnSession(
  mcp: URL,
  token: string,
  sessionId: string,
  tool: string,
  args: Record<string, unknown> = {},
): Promise<{ status: number; challenge: string; text: string }> {
  const response = await fetch(mcp, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': sessionId,
      'mcp-protocol-version': '2025-06-18',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: tool, arguments: args } }),
  });
  return { status: response.status, challenge: response.headers.get('www-authenticate') ?? '', text: await response.text() };
}
