import type { IncomingMessage, ServerResponse } from 'node:http';
import type pg from 'pg';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { CallerConfirmation } from './caller-confirmation.ts';
import type { RegistrationLimitSettings } from './oauth/registration-limits.ts';
import type { RemoteClient, RemoteClientDirectory } from './remote-clients.ts';
import type { TenantDirectory } from './tenant-directory.ts';

/** Who an authenticated hosted MCP request comes from: a signed-in client of one tenant. */
export interface HostedCaller {
  tenant: string;
  client: RemoteClient;
}

/** An authenticated caller; `unconfirmed` when its token's check is left to the request's first transaction. */
export type AuthenticatedCaller = HostedCaller & { unconfirmed?: CallerConfirmation };

/** The answer to an MCP request without a valid token (401 with the OAuth challenge, or 503). */
export interface AuthRefusal {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface HostedAuthDeps {
  /** The process's one bounded pool; OAuth state lives in the control schema. */
  pool: pg.Pool;
  /** The public origin; the issuer, and `<publicUrl>/mcp` is the protected resource. */
  publicUrl: URL;
  tenants: TenantDirectory;
  clients: RemoteClientDirectory;
  clock: Clock;
  logger: Logger;
  /** Reverse proxies in front whose X-Forwarded-For is believed, for sign-in rate limits (default 0: none). */
  trustedProxies?: number;
  /** Told of every answered sign-in form: allowed, or refused (wrong key, too many attempts); for metrics. */
  onSignIn?: (outcome: 'allowed' | 'refused') => void;
  /**
   * Test only: trust this CA (PEM) for client ID metadata documents, on loopback hosts too. Without
   * it a document must be on a public HTTPS host with a publicly trusted certificate.
   */
  testCimdCa?: string;
  /** Test only: smaller registration limits than REGISTRATION_LIMITS, to reach them in a test. */
  testRegistrationLimits?: RegistrationLimitSettings;
}

/**
 * How the hosted server signs clients in (OAuth 2.1 as the MCP authorization spec asks) and
 * recognizes them on every MCP request. Local mode has none of this: it never advertises OAuth.
 */
export interface HostedAuth {
  /** Serves the OAuth endpoints, discovery documents and sign-in page; false when `url` is none of them. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  /**
   * The caller of an MCP request from its bearer token, or the refusal to send. With
   * `confirmLater`, a token confirmed before is recognized without a round trip and comes back
   * `unconfirmed`: the request's first transaction checks it (see caller-confirmation.ts).
   */
  authenticate(req: IncomingMessage, options?: { confirmLater?: boolean }): Promise<AuthenticatedCaller | AuthRefusal>;
  close(): Promise<void>;
}
