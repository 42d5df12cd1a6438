import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, Server, type AuthInfo } from '@modelcontextprotocol/server';
import {
  auth,
  Client,
  StreamableHTTPClientTransport,
  type OAuthClientInformationMixed,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type OAuthTokens,
} from '@modelcontextprotocol/client';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { ManualClock } from '../../../src/gateway/clock.ts';
import { silentLogger, type Logger } from '../../../src/gateway/logger.ts';
import type { HostedAuth, HostedCaller } from '../../../src/gateway/hosted/hosted-auth.ts';
import { capConnections, hostedServerOptions, type ConnectionLimits } from '../../../src/gateway/hosted/connection-limits.ts';
import { createHostedAuth } from '../../../src/gateway/hosted/oauth/create-hosted-auth.ts';
import type { RegistrationLimitSettings } from '../../../src/gateway/hosted/oauth/registration-limits.ts';
import { RemoteClientDirectory } from '../../../src/gateway/hosted/remote-clients.ts';
import { TenantDirectory } from '../../../src/gateway/hosted/tenant-directory.ts';
import { after, before } from 'node:test';
import { chromiumMissing, launchChromium } from '../../renderer/helpers/browser.ts';
import { disposeSharedPostgres, freePort, sharedPostgres, type SharedPostgres, type TestPostgres } from '../../helpers/postgres.ts';
import { signInOverHttp } from './oauth-raw.ts';

/** The test file's Postgres and Chromium (none where Chromium is missing), started once and stopped at its end. */
export function postgresAndBrowser(): { readonly pg: SharedPostgres; readonly browser: Browser } {
  const shared = {} as { pg: SharedPostgres; browser: Browser };
  before(async () => {
    shared.pg = await sharedPostgres();
    if (!chromiumMissing()) shared.browser = await launchChromium();
  });
  after(async () => {
    await shared.browser?.close();
    await disposeSharedPostgres();
  });
  return shared;
}

/**
 * A small hosted server for the OAuth tests (until `serve --hosted` exists): `HostedAuth.handle` for
 * the OAuth endpoints and a `/mcp` route guarded by `HostedAuth.authenticate`, whose one tool
 * `whoami` answers with the caller it was given.
 */
export interface AuthServer {
  /** Where this process listens (several processes may share one public URL). */
  port: number;
  publicUrl: URL;
  mcpUrl: URL;
  auth: HostedAuth;
  pool: pg.Pool;
  tenants: TenantDirectory;
  clients: RemoteClientDirectory;
  clock: ManualClock;
  /** Lines logged, to check that no secret is ever written. */
  logged: string[];
  close(): Promise<void>;
}

export async function startAuthServer(
  postgres: TestPostgres,
  database: string,
  options: {
    port?: number;
    pgUrl?: string;
    trustedProxies?: number;
    testCimdCa?: string;
    publicUrl?: URL;
    testRegistrationLimits?: RegistrationLimitSettings;
    connectionLimits?: Partial<ConnectionLimits>;
  } = {},
): Promise<AuthServer> {
  const port = options.port ?? (await freePort());
  const publicUrl = options.publicUrl ?? new URL(`http://127.0.0.1:${port}`);
  const pool = new pg.Pool({ connectionString: options.pgUrl ?? postgres.url(database), max: 4, connectionTimeoutMillis: 2000 });
  pool.on('error', () => {});
  const tenants = new TenantDirectory(pool);
  const clients = new RemoteClientDirectory(pool);
  const clock = new ManualClock(Date.now());
  const logged: string[] = [];
  const logger: Logger = {
    info: (message, fields) => logged.push(`info ${message} ${JSON.stringify(fields ?? {})}`),
    warn: (message, fields) => logged.push(`warn ${message} ${JSON.stringify(fields ?? {})}`),
    error: (message, fields) => logged.push(`error ${message} ${JSON.stringify(fields ?? {})}`),
  };
  const hostedAuth = await createHostedAuth({
    pool,
    publicUrl,
    tenants,
    clients,
    clock,
    logger: logger ?? silentLogger,
    trustedProxies: options.trustedProxies ?? 0,
    ...(options.testCimdCa ? { testCimdCa: options.testCimdCa } : {}),
    ...(options.testRegistrationLimits ? { testRegistrationLimits: options.testRegistrationLimits } : {}),
  });
  const mcp = toNodeHandler(
    createMcpHandler(
      (ctx) => {
        const caller = ctx.authInfo?.extra?.caller as HostedCaller;
        const server = new Server({ name: 'oauth-test', version: '1.0.0' }, { capabilities: { tools: {} } });
        server.setRequestHandler('tools/list', () => ({ tools: [{ name: 'whoami', inputSchema: { type: 'object' as const } }] }));
        server.setRequestHandler('tools/call', () => ({
          content: [{ type: 'text' as const, text: JSON.stringify({ tenant: caller.tenant, client: caller.client.id, name: caller.client.name }) }],
        }));
        return server;
      },
      { legacy: 'stateless' },
    ),
  );
  // As serve --hosted creates its server (hosted-gateway.ts), with the test's limits.
  const http = createServer(hostedServerOptions(options.connectionLimits), (req, res) => {
    void route(hostedAuth, mcp, req, res).catch((error: unknown) => {
      logged.push(`error route ${String(error)}`);
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  capConnections(http, options.connectionLimits, options.trustedProxies);
  await listen(http, port);
  return {
    port,
    publicUrl,
    mcpUrl: new URL('/mcp', publicUrl),
    auth: hostedAuth,
    pool,
    tenants,
    clients,
    clock,
    logged,
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await hostedAuth.close();
      await pool.end();
    },
  };
}

async function route(hostedAuth: HostedAuth, mcp: ReturnType<typeof toNodeHandler>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://placeholder');
  if (await hostedAuth.handle(req, res, url)) return;
  if (url.pathname !== '/mcp') {
    res.writeHead(404).end();
    return;
  }
  const caller = await hostedAuth.authenticate(req);
  if (!('tenant' in caller)) {
    res.writeHead(caller.status, { 'content-type': 'application/json', ...caller.headers }).end(JSON.stringify(caller.body));
    return;
  }
  (req as IncomingMessage & { auth?: AuthInfo }).auth = { token: '[redacted]', clientId: caller.client.id, scopes: [], extra: { caller } };
  await mcp(req, res);
}

function listen(server: HttpServer, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

/** What the browser brought back to the client's redirect URI. */
export interface AuthorizationResponse {
  url: URL;
  code: string | null;
  error: string | null;
  iss: string | null;
  state: string | null;
}

/**
 * A user at the sign-in page: opens the authorization URL in Chromium, types the API key, ticks
 * "Connect as a new client" if asked to, clicks Allow, and the client's redirect URI receives the
 * answer (the test intercepts it where the client app would listen).
 */
export async function signInInBrowser(
  browser: Browser,
  authorizationUrl: URL,
  redirectUri: string,
  apiKey: string,
  options: { asNewClient?: boolean; screenshot?: string; colorScheme?: 'light' | 'dark' } = {},
): Promise<AuthorizationResponse> {
  const context = await browser.newContext({ colorScheme: options.colorScheme ?? 'light', viewport: { width: 900, height: 760 } });
  try {
    const page = await context.newPage();
    const arrived = interceptRedirect(page, redirectUri);
    await page.goto(authorizationUrl.href);
    await page.getByLabel('API key').fill(apiKey);
    if (options.asNewClient) await page.getByLabel('Connect as a new client').check();
    if (options.screenshot) await page.screenshot({ path: options.screenshot });
    await page.getByRole('button', { name: 'Allow' }).click();
    return await withinSeconds(10, arrived, async () => `no redirect to the client; the page says: ${await page.locator('body').innerText()}`);
  } finally {
    await context.close();
  }
}

async function withinSeconds<T>(seconds: number, work: Promise<T>, explain: () => Promise<string>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => void explain().then((text) => reject(new Error(text)), reject), seconds * 1000);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves with the first navigation to the redirect URI (answered with a blank page). */
export function interceptRedirect(page: Page, redirectUri: string): Promise<AuthorizationResponse> {
  return new Promise((resolve) => {
    void page.route(
      (url) => url.href.startsWith(redirectUri),
      async (routed) => {
        const url = new URL(routed.request().url());
        await routed.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>back in the client</title>' });
        resolve({
          url,
          code: url.searchParams.get('code'),
          error: url.searchParams.get('error'),
          iss: url.searchParams.get('iss'),
          state: url.searchParams.get('state'),
        });
      },
    );
  });
}

/**
 * An MCP client's OAuth storage and hooks, as an app implements them for the SDK's `auth()`: it
 * remembers registrations, tokens, the PKCE verifier and discovery state, and records the
 * authorization URL instead of opening a browser (the test's browser does that).
 */
export class TestOAuthClient implements OAuthClientProvider {
  readonly redirectUri: string;
  readonly clientMetadataUrl?: string;
  private readonly metadata: OAuthClientMetadata;
  private information: OAuthClientInformationMixed | undefined;
  private savedTokens: OAuthTokens | undefined;
  private verifier = '';
  private discovery: OAuthDiscoveryState | undefined;
  authorizationUrl: URL | undefined;
  /** Every client registration this client made (DCR). */
  registrations = 0;

  constructor(options: { name: string; redirectUri: string; clientMetadataUrl?: string; authMethod?: 'none' | 'client_secret_post' | 'client_secret_basic' }) {
    this.redirectUri = options.redirectUri;
    if (options.clientMetadataUrl) this.clientMetadataUrl = options.clientMetadataUrl;
    this.metadata = {
      client_name: options.name,
      redirect_uris: [options.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: options.authMethod ?? 'none',
    };
  }

  get redirectUrl(): string {
    return this.redirectUri;
  }
  get clientMetadata(): OAuthClientMetadata {
    return this.metadata;
  }
  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.information;
  }
  saveClientInformation(information: OAuthClientInformationMixed): void {
    if (!this.information || this.information.client_id !== information.client_id) this.registrations += this.clientMetadataUrl ? 0 : 1;
    this.information = information;
  }
  tokens(): OAuthTokens | undefined {
    return this.savedTokens;
  }
  saveTokens(tokens: OAuthTokens): void {
    this.savedTokens = tokens;
  }
  redirectToAuthorization(url: URL): void {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }
  codeVerifier(): string {
    return this.verifier;
  }
  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.discovery = state;
  }
  discoveryState(): OAuthDiscoveryState | undefined {
    return this.discovery;
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    if (scope === 'all' || scope === 'client') this.information = undefined;
    if (scope === 'all' || scope === 'tokens') this.savedTokens = undefined;
    if (scope === 'all' || scope === 'discovery') this.discovery = undefined;
  }
  /** A fresh connection flow of the same app: Claude registers a new OAuth client each time. */
  forgetEverything(): void {
    this.invalidateCredentials('all');
    this.authorizationUrl = undefined;
  }
}

/**
 * The whole first connection, as a client app does it: the SDK's `auth()` discovers, registers (or
 * uses its metadata document URL) and redirects; the user signs in in the browser; `auth()` then
 * exchanges the code.
 */
export async function connectWithOAuth(
  server: { mcpUrl: URL },
  user: Browser | 'http',
  client: TestOAuthClient,
  apiKey: string,
  options: { asNewClient?: boolean; screenshot?: string } = {},
): Promise<OAuthTokens> {
  const started = await auth(client, { serverUrl: server.mcpUrl });
  if (started !== 'REDIRECT') throw new Error(`expected a redirect to sign in, got ${started}`);
  // The browser where the page itself is under test; plain HTTP (the same form, posted) elsewhere.
  const answer =
    user === 'http'
      ? await signInOverHttp(client.authorizationUrl!, client.redirectUri, apiKey, options)
      : await signInInBrowser(user, client.authorizationUrl!, client.redirectUri, apiKey, options);
  if (!answer.code) throw new Error(`the sign-in returned no code: ${answer.url.href}`);
  const finished = await auth(client, { serverUrl: server.mcpUrl, authorizationCode: answer.code, iss: answer.iss ?? undefined });
  if (finished !== 'AUTHORIZED') throw new Error(`expected AUTHORIZED, got ${finished}`);
  return client.tokens()!;
}

/** One tool call through the real SDK client with the client's OAuth tokens (a new connection each time). */
export async function callTool(
  mcpUrl: URL,
  client: TestOAuthClient,
  name: string,
  args: Record<string, unknown> = {},
): Promise<{ text: string; isError: boolean }> {
  const mcp = new Client({ name: 'oauth-test-client', version: '1.0.0' });
  await mcp.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: client }));
  try {
    const result = await mcp.callTool({ name, arguments: args });
    return { text: (result.content as { type: string; text?: string }[]).map((part) => part.text ?? '').join('\n'), isError: result.isError === true };
  } finally {
    await mcp.close();
  }
}

/** The caller the test server's MCP endpoint saw. */
export async function whoami(server: AuthServer, client: TestOAuthClient): Promise<{ tenant: string; client: string; name: string }> {
  return JSON.parse((await callTool(server.mcpUrl, client, 'whoami')).text) as { tenant: string; client: string; name: string };
}

/** A raw MCP request with a bearer token, for the refusals (status, challenge, body). */
export async function mcpRequest(server: { mcpUrl: URL }, token: string | undefined): Promise<{ status: number; challenge: string | null; body: unknown }> {
  const response = await fetch(server.mcpUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    }),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // an SSE or empty body stays text
  }
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body };
}
