import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Account } from 'oidc-provider';
import { UserError } from '../../errors.ts';
import { repeatLimited } from '../../repeat-limited-logger.ts';
import type { HostedAuth, HostedAuthDeps } from '../hosted-auth.ts';
import { createAuthorizationServer, MCP_SCOPE, OAUTH_ROUTES, SIGN_IN_PATH } from './authorization-server.ts';
import { BearerAuth } from './bearer-auth.ts';
import { parseAccountId } from './client-identity.ts';
import { OAuthStore } from './pg-oauth-adapter.ts';
import { RegistrationLimits } from './registration-limits.ts';
import { pinToPublicUrl } from './public-url.ts';
import { ProtectedResourceMetadata } from './resource-metadata.ts';
import { loadServerKeys } from './server-keys.ts';
import { ASSETS_PATH, serveSignInAsset } from './sign-in-assets.ts';
import { SignInLimiter } from './sign-in-limiter.ts';
import { SignInRoute } from './sign-in-route.ts';
import { isStoreDown, storeUnavailableError } from './store-unavailable.ts';
import { VerifiedTokens } from './verified-tokens.ts';

const AUTHORIZATION_SERVER_METADATA = new Set(['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The hosted server's OAuth: an authorization server (oidc-provider, state in the control schema)
 * whose sign-in asks for a tenant's API key, and the resource-server side that recognizes the
 * caller of every MCP request. Several processes on one database serve one flow.
 */
export async function createHostedAuth(deps: HostedAuthDeps): Promise<HostedAuth> {
  const { publicUrl, pool, clock } = deps;
  if (publicUrl.protocol !== 'https:' && !LOOPBACK.has(publicUrl.hostname)) {
    throw new UserError(
      'INVALID_SETTING',
      `DEMENTIA_PUBLIC_URL ${publicUrl.origin} is not https: clients refuse to sign in over plain http.`,
      'Put the server behind an HTTPS proxy and set DEMENTIA_PUBLIC_URL to its https:// address (plain http is for 127.0.0.1 only).',
    );
  }
  const resourceUrl = new URL('/mcp', publicUrl);
  await deps.tenants.prepare();
  const keys = await loadServerKeys(pool);
  const findAccount = async (accountId: string): Promise<Account | undefined> => {
    const identity = parseAccountId(accountId);
    if (!identity) return undefined;
    const client = await deps.clients.findServed(identity.tenant, identity.clientId).catch((error: unknown) => {
      throw isStoreDown(error) ? storeUnavailableError(error) : error;
    });
    return client ? { accountId, claims: () => ({ sub: accountId }) } : undefined;
  };
  // Dropping the oldest unused registrations is part of saving a new one: a client that reads its
  // 201 finds the cap kept (and the drop does not wait on the request body, as a hook before it would).
  const store: OAuthStore = new OAuthStore(pool, clock, (): Promise<void> => registrations.dropOldestUnused());
  const registrations = new RegistrationLimits({ store, clock, trustedProxies: deps.trustedProxies ?? 0, limits: deps.testRegistrationLimits });
  const provider = createAuthorizationServer({ publicUrl, resourceUrl, keys, store, findAccount, logger: deps.logger, cimdCa: deps.testCimdCa });
  // Anyone can make these repeat (aborted requests, malformed bodies): the same line at most once a minute.
  const errorLog = repeatLimited(deps.logger, clock);
  provider.on('server_error', (_ctx: unknown, error: Error) => errorLog.error('OAuth server error', { error: error.message }));
  // Koa logs stray errors to the console unless someone listens; the logger is the one place for them.
  (provider as unknown as NodeJS.EventEmitter).on('error', (error: Error) => errorLog.error('OAuth request failed', { error: error.message }));
  const callback = provider.callback();

  const metadata = new ProtectedResourceMetadata({
    resourceUrl,
    issuer: publicUrl.origin,
    authorizationEndpoint: new URL(OAUTH_ROUTES.authorization, publicUrl).href,
    tokenEndpoint: new URL(OAUTH_ROUTES.token, publicUrl).href,
    scopes: [MCP_SCOPE],
  });
  const verified = new VerifiedTokens();
  const bearer = new BearerAuth({ provider, clients: deps.clients, resourceUrl, resourceMetadataUrl: metadata.url, clock, verified });
  const signIn = new SignInRoute({
    provider,
    tenants: deps.tenants,
    clients: deps.clients,
    limiter: new SignInLimiter(pool, clock),
    publicUrl,
    resourceUrl,
    trustedProxies: deps.trustedProxies ?? 0,
    logger: deps.logger,
    onSignIn: deps.onSignIn,
  });

  return {
    async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
      const path = url.pathname;
      if (metadata.serves(path)) {
        await metadata.respond(req, res);
        return true;
      }
      if (path.startsWith(`${SIGN_IN_PATH}/`)) {
        await signIn.handle(req, res, path.slice(SIGN_IN_PATH.length + 1));
        return true;
      }
      if (path.startsWith(`${ASSETS_PATH}/`)) return serveSignInAsset(path.slice(ASSETS_PATH.length + 1), res);
      if (AUTHORIZATION_SERVER_METADATA.has(path) || path.startsWith('/oauth/')) {
        const registering = path === OAUTH_ROUTES.registration && req.method === 'POST';
        if (registering && registrations.refuse(req, res)) return true;
        pinToPublicUrl(req, publicUrl);
        await callback(req, res);
        return true;
      }
      return false;
    },
    authenticate: (req, options) => bearer.authenticate(req, options),
    async close() {
      verified.clear();
    },
  };
}
