import Provider, { errors, interactionPolicy, type Account, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { compareHashedClientSecrets } from './client-secrets.ts';
import { cimdFetch } from './cimd-fetch.ts';
import type { Logger } from '../../logger.ts';
import { RefreshGrace } from './refresh-grace.ts';
import { PgOAuthAdapter, type OAuthStore } from './pg-oauth-adapter.ts';
import type { ServerKeys } from './server-keys.ts';
import { messagePage, pageHeaders } from './sign-in-page.ts';
import { sameResource } from './resource-metadata.ts';

/** The paths of the authorization server (under the public URL, next to /mcp). */
export const OAUTH_ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  registration: '/oauth/register',
  revocation: '/oauth/revoke',
  jwks: '/oauth/jwks',
  // Not enabled; kept under /oauth so that nothing of oidc-provider's answers outside it.
  introspection: '/oauth/introspect',
  userinfo: '/oauth/userinfo',
  end_session: '/oauth/logout',
  pushed_authorization_request: '/oauth/par',
  code_verification: '/oauth/device',
  device_authorization: '/oauth/device/auth',
  backchannel_authentication: '/oauth/backchannel',
  challenge: '/oauth/challenge',
  credential: '/oauth/credential',
} as const;

export const SIGN_IN_PATH = '/oauth/sign-in';

/** The one scope of the MCP endpoint (advertised; tokens without it are accepted too). */
export const MCP_SCOPE = 'mcp';

export const LIFETIMES = {
  /**
   * 12 hours: claude.ai has been seen not to refresh custom connectors' tokens, so an hour meant
   * signing in again every hour. A longer life costs little here, since every MCP request checks
   * that the client and tenant are still served (revocation takes effect on the next request, see
   * BearerAuth); what it does cost is a stolen token working until then, or until revoked.
   */
  accessTokenSeconds: 12 * 60 * 60,
  authorizationCodeSeconds: 60,
  refreshTokenSeconds: 30 * 24 * 60 * 60,
  /** After a year of refreshing, the user signs in again. */
  grantSeconds: 365 * 24 * 60 * 60,
  signInSeconds: 60 * 60,
  /** Browser sessions are not reused (the key is asked every time); they only carry one flow. */
  sessionSeconds: 10 * 60,
};

export interface AuthorizationServerOptions {
  publicUrl: URL;
  resourceUrl: URL;
  keys: ServerKeys;
  store: OAuthStore;
  /** The signed-in identity behind an account id, or undefined once revoked or removed. */
  findAccount(accountId: string): Promise<Account | undefined>;
  logger: Logger;
  /** Test only: trust this CA for client ID metadata documents, on loopback hosts too (see cimdFetch). */
  cimdCa?: string | undefined;
}

/**
 * oidc-provider set up as the MCP authorization spec asks: dynamic client registration and client ID
 * metadata documents, authorization code with PKCE S256 only, one resource (the MCP endpoint) as the
 * audience of every access token, rotating refresh tokens, no OpenID Connect extras. The sign-in
 * itself (the interaction) is ours: see SignInRoute.
 */
export function createAuthorizationServer(options: AuthorizationServerOptions): Provider {
  const resource = options.resourceUrl.href;
  const checkResource = (indicator: string) => {
    if (!sameResource(indicator, options.resourceUrl)) throw new errors.InvalidTarget(`this server only issues tokens for ${resource}`);
  };
  const store = options.store;
  const refreshGrace = new RefreshGrace(store, checkResource);
  const configuration: Configuration = {
    adapter: (name: string) => new PgOAuthAdapter(store, name),
    jwks: options.keys.signing,
    cookies: {
      keys: options.keys.cookies,
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    routes: OAUTH_ROUTES,
    responseTypes: ['code'],
    scopes: [...KNOWN_CLIENT_SCOPES],
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post'],
    // Registrations that name no grant types can refresh (RFC 7591 lets the server choose).
    clientDefaults: { grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' },
    allowOmittingSingleRegisteredRedirectUri: false,
    // Registrations are taken as MCP clients send them (see acceptAsSent).
    extraClientMetadata: { properties: ['software_id'], validator: (_ctx, key, _value, metadata) => acceptAsSent(key, metadata) },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true, issueRegistrationAccessToken: false },
      revocation: { enabled: true },
      introspection: { enabled: false },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => resource,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, indicator) => {
          checkResource(indicator);
          return { scope: MCP_SCOPE, audience: resource, accessTokenFormat: 'opaque', accessTokenTTL: LIFETIMES.accessTokenSeconds };
        },
      },
      // A document is fetched once and kept (oidc-provider's cache: 100 documents per process) for
      // its Cache-Control max-age, at least 5 minutes and at most a day.
      clientIdMetadataDocument: { enabled: true, ack: 'draft-02', cacheDuration: { min: 5 * 60, max: 24 * 60 * 60 } },
    },
    // Only client ID metadata documents are fetched (no jwks_uri, sector or logout URIs are enabled).
    fetch: cimdFetch({ logger: options.logger, testCa: options.cimdCa }),
    ttl: {
      AccessToken: LIFETIMES.accessTokenSeconds,
      AuthorizationCode: LIFETIMES.authorizationCodeSeconds,
      RefreshToken: LIFETIMES.refreshTokenSeconds,
      Grant: LIFETIMES.grantSeconds,
      Interaction: LIFETIMES.signInSeconds,
      Session: LIFETIMES.sessionSeconds,
    },
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Tokens outlive the browser session (which is only the sign-in's).
    expiresWithSession: async () => false,
    interactions: { url: async (_ctx, interaction) => `${SIGN_IN_PATH}/${interaction.uid}`, policy: signInEveryTime() },
    findAccount: async (ctx, accountId, token) => {
      // oidc-provider asks for the account before it spends a refresh token: the one place to refuse without spending.
      refreshGrace.beforeSpending(ctx, token);
      return options.findAccount(accountId);
    },
    renderError: async (ctx, out) => renderError(ctx, out, options.publicUrl),
  };
  const provider = new Provider(options.publicUrl.origin, configuration);
  compareHashedClientSecrets(provider);
  errorsStayBeforeApproval(provider);
  provider.use(scopeAsGranted);
  provider.use(mcpScopeAdvertised);
  provider.use(refreshGrace.middleware());
  // URLs are built from the request (oidc-provider's way); SignInRoute and handle() pin the request
  // to the public URL, whatever proxy sits in front (see pinToPublicUrl).
  provider.proxy = true;
  return provider;
}

/**
 * What an authorization request asks for, as this server grants it (RFC 6749 §3.3 lets it): always
 * the MCP scope, the one thing there is to grant (oidc-provider refuses to finish an authorization
 * that grants no scope, which would turn away clients that ask for none, as the MCP spec lets
 * them); never `openid`, since this server does no OpenID Connect (some clients ask out of habit).
 */
async function scopeAsGranted(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
  // A repeated scope parameter is left for oidc-provider to refuse.
  if (ctx.path === OAUTH_ROUTES.authorization && ctx.method === 'GET' && !Array.isArray(ctx.query.scope)) {
    const asked = (ctx.query.scope ?? '').split(' ').filter((scope) => scope !== '' && scope !== 'openid');
    ctx.query = { ...ctx.query, scope: [...new Set([...asked, MCP_SCOPE])].join(' ') };
  }
  await next();
}

/**
 * The authorization server metadata names the MCP scope too (oidc-provider lists only its own
 * OpenID scopes; the resource's scope is granted through resource indicators).
 */
async function mcpScopeAdvertised(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
  await next();
  if (ctx.oidc?.route !== 'discovery' || ctx.status !== 200) return;
  const body = ctx.body as { scopes_supported?: string[] } | undefined;
  if (body && Array.isArray(body.scopes_supported) && !body.scopes_supported.includes(MCP_SCOPE)) body.scopes_supported = [MCP_SCOPE, ...body.scopes_supported];
}

const KNOWN_CLIENT_SCOPES = new Set(['offline_access']);

/**
 * Runs once per client (for the one extra property, RFC 7591's software_id) before oidc-provider
 * validates it, for registrations and client ID metadata documents alike, so that what MCP clients
 * really send is not refused, and what the MCP authorization spec forbids is:
 * - the scopes they will ask for (the SDK registers the resource's "mcp", others their own names):
 *   only scopes this server knows are kept; asking for others later grants nothing more;
 * - redirect URIs are https or http on a loopback address (plain http elsewhere is refused);
 * - app redirect URIs (`cursor://...`) without `application_type`: such a client is a native app
 *   (the default, "web", allows only http(s) redirect URIs);
 * - a client whose redirect URIs are all http loopback (Claude Code's metadata document names
 *   `http://localhost/callback` with no port) is a native app too, so that its redirect URIs match
 *   on any port (RFC 8252 §7.3): it listens on whatever port is free.
 */
function acceptAsSent(key: string, metadata: { scope?: string | undefined; application_type?: string | undefined; redirect_uris?: unknown }): void {
  if (key !== 'software_id') return;
  if (typeof metadata.scope === 'string') {
    const known = metadata.scope.split(' ').filter((scope) => KNOWN_CLIENT_SCOPES.has(scope));
    if (known.length > 0) metadata.scope = known.join(' ');
    else delete metadata.scope;
  }
  // Anything but a list of strings is left for oidc-provider to refuse (invalid_client_metadata).
  const uris = metadata.redirect_uris;
  if (!Array.isArray(uris) || !uris.every((uri): uri is string => typeof uri === 'string')) return;
  const plainHttp = uris.find((uri) => /^http:/i.test(uri) && !isLoopbackHttp(uri));
  if (plainHttp !== undefined) {
    throw new errors.InvalidClientMetadata(`redirect_uris must be https or http on a loopback address (127.0.0.1, [::1], localhost); ${plainHttp} is neither`);
  }
  const appUri = uris.some((uri) => !/^https?:/i.test(uri));
  const allLoopback = uris.length > 0 && uris.every(isLoopbackHttp);
  if ((appUri || allLoopback) && (metadata.application_type ?? 'web') === 'web') metadata.application_type = 'native';
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

function isLoopbackHttp(uri: string): boolean {
  const url = URL.parse(uri);
  return url !== null && url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

/**
 * An authorization request refused before the user signed in and chose is answered with this
 * server's own error page, never a redirect (RFC 9700 §4.11.2): anyone can register any https
 * redirect URI, so a refused request would otherwise be an open redirect from the user's own
 * memory server to a phishing page. Only the resume (after the sign-in page) redirects errors, such
 * as the user's own "Deny", to the client. oidc-provider announces every authorization error before
 * it decides between redirect and renderError; `allow_redirect` is what that decision reads.
 */
function errorsStayBeforeApproval(provider: Provider): void {
  const keepHere = (ctx: KoaContextWithOIDC, error: Error & { allow_redirect?: boolean }) => {
    if (ctx.oidc?.route === 'authorization') error.allow_redirect = false;
  };
  provider.on('authorization.error', keepHere);
  provider.on('server_error', keepHere);
}

/**
 * Every authorization asks for the API key: a browser session left by an earlier sign-in must not
 * connect another client, or the same one again, without the user's key and choice.
 */
function signInEveryTime() {
  const policy = interactionPolicy.base();
  const { Check } = interactionPolicy;
  policy
    .get('login')!
    .checks.add(
      new Check('sign_in_every_time', 'the API key is asked on every authorization', (ctx) =>
        ctx.oidc.result?.login ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT,
      ),
      0,
    );
  return policy;
}

const ERROR_TEXT: Record<string, string> = {
  invalid_redirect_uri: 'The client asked to return to an address it did not register. Nothing was shared with it.',
  invalid_client: 'This server does not know the client that sent you here, or no longer accepts it.',
  invalid_request: 'The client sent a request this server cannot accept.',
};

async function renderError(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string | undefined }, publicUrl: URL): Promise<void> {
  const detail = out.error_description ? ` (${out.error_description})` : '';
  const message =
    out.error === 'temporarily_unavailable'
      ? (out.error_description ?? out.error)
      : `${ERROR_TEXT[out.error] ?? 'The client sent a request this server cannot accept.'}${detail}`;
  ctx.set(pageHeaders());
  ctx.type = 'html';
  ctx.body = messagePage({
    title: 'This connection cannot go on',
    message,
    hint: 'Start the connection again from your client. If it keeps failing, tell whoever runs this server what the message says.',
    serverHost: publicUrl.host,
  });
}
