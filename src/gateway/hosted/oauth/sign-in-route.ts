import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { errors, type InteractionResults } from 'oidc-provider';
import { HttpError, readBody } from '../../http/http-utils.ts';
import type { Logger } from '../../logger.ts';
import { ClientCapReached, type RemoteClientDirectory } from '../remote-clients.ts';
import type { TenantDirectory } from '../tenant-directory.ts';
import { MCP_SCOPE, SIGN_IN_PATH } from './authorization-server.ts';
import { clientAddress } from './client-address.ts';
import { accountIdOf, clientKeyOf, clientKindOf, displayName, redirectTargetOf, type OAuthClientFacts } from './client-identity.ts';
import { pinToPublicUrl } from './public-url.ts';
import { sameResource } from './resource-metadata.ts';
import type { SignInLimiter } from './sign-in-limiter.ts';
import { formTargetOf, messagePage, pageHeaders, signInPage } from './sign-in-page.ts';
import { isStoreDown, storeUnreachableText } from './store-unavailable.ts';

export interface SignInRouteDeps {
  provider: Provider;
  tenants: TenantDirectory;
  clients: RemoteClientDirectory;
  limiter: SignInLimiter;
  publicUrl: URL;
  resourceUrl: URL;
  /** Reverse proxies whose X-Forwarded-For is believed (0: none). */
  trustedProxies: number;
  logger: Logger;
  /** Told of every answered sign-in: allowed, or refused (wrong key, too many attempts). */
  onSignIn?: ((outcome: 'allowed' | 'refused') => void) | undefined;
}

/** One pending authorization, as the sign-in page needs it. */
interface PendingSignIn {
  uid: string;
  client: OAuthClientFacts;
  redirectUri: string;
  params: Record<string, unknown>;
}

const FORM_LIMIT_BYTES = 4096;

/**
 * The sign-in page of an authorization (oidc-provider's "interaction"): shows which client asks,
 * takes the API key, and on a right key signs the client in as a client of the key's tenant and
 * hands the authorization back to oidc-provider. CSRF: the interaction is found through its cookie
 * (SameSite=Lax, bound to this path), so a form posted from another site finds nothing.
 */
export class SignInRoute {
  private readonly deps: SignInRouteDeps;

  constructor(deps: SignInRouteDeps) {
    this.deps = deps;
  }

  async handle(req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'POST') {
      this.message(res, 405, 'This page only shows a form and takes its answer.', 'Open the link your client gave you.');
      return;
    }
    pinToPublicUrl(req, this.deps.publicUrl);
    let pending: PendingSignIn;
    try {
      pending = await this.load(req, res, uid);
    } catch (error) {
      this.failed(res, error, req.method);
      return;
    }
    if (req.method === 'GET') {
      this.form(res, 200, pending);
      return;
    }
    await this.submit(req, res, pending).catch((error: unknown) => {
      if (isStoreDown(error)) this.form(res, 503, pending, storeUnreachableText());
      else this.failed(res, error, req.method);
    });
  }

  private async load(req: IncomingMessage, res: ServerResponse, uid: string): Promise<PendingSignIn> {
    const details = await this.deps.provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new errors.SessionNotFound('interaction cookie of another sign-in');
    const params = details.params as Record<string, unknown>;
    const client = await this.deps.provider.Client.find(String(params.client_id ?? ''));
    if (!client) throw new errors.InvalidClient('client not found');
    return { uid, client: client as unknown as OAuthClientFacts, redirectUri: String(params.redirect_uri ?? ''), params };
  }

  private async submit(req: IncomingMessage, res: ServerResponse, pending: PendingSignIn): Promise<void> {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== this.deps.publicUrl.origin) {
      this.message(res, 403, 'This form was sent from another site.', 'Open the link your client gave you and sign in there.');
      return;
    }
    const form = new URLSearchParams((await readBody(req, FORM_LIMIT_BYTES)).toString('utf8'));
    const apiKey = (form.get('api_key') ?? '').trim();
    const asNewClient = form.get('as_new_client') === '1';
    const address = clientAddress(req, this.deps.trustedProxies);
    const blocked = await this.deps.limiter.begin(address, pending.uid);
    if (blocked) {
      const minutes = Math.max(1, Math.ceil(blocked.retryAfterMs / 60_000));
      const error =
        blocked.scope === 'address'
          ? `Too many failed sign-ins from your address. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`
          : 'Too many failed sign-ins on this page. Start the connection again from your client.';
      this.deps.onSignIn?.('refused');
      this.form(res, 429, pending, error, asNewClient, { 'retry-after': String(Math.ceil(blocked.retryAfterMs / 1000)) });
      return;
    }
    const tenant = apiKey === '' ? undefined : await this.deps.tenants.findByApiKey(apiKey);
    if (!tenant) {
      this.deps.logger.warn('Hosted sign-in refused: unknown API key', { client: displayName(pending.client) });
      this.deps.onSignIn?.('refused');
      this.form(res, 403, pending, 'That API key is not registered on this server. Check it and try again; nothing was granted.', asNewClient);
      return;
    }
    await this.deps.limiter.succeeded(address, pending.uid);
    const name = displayName(pending.client);
    let remote;
    try {
      remote = await this.deps.clients.signIn(tenant.schema, { clientKey: clientKeyOf(pending.client), name, kind: clientKindOf(name), asNewClient });
    } catch (error) {
      if (!(error instanceof ClientCapReached)) throw error;
      this.deps.logger.warn('Hosted sign-in refused: client cap of the tenant reached', { tenant: tenant.schema, cap: error.cap });
      this.deps.onSignIn?.('refused');
      const hours = (seconds: number) => {
        const n = Math.max(1, Math.round(seconds / 3600));
        return `${n} hour${n === 1 ? '' : 's'}`;
      };
      this.form(
        res,
        429,
        pending,
        `This key already has ${error.cap} signed-in clients, the most this server allows; nothing was granted. ` +
          `Ask whoever runs this server to remove one you no longer use (dementia clients remove NAME --hosted), ` +
          `or try again in about ${hours(error.retryAfterSeconds)}: a client that never makes a call is dropped ${hours(error.unusedClientMs / 1000)} after it signed in.`,
        asNewClient,
        { 'retry-after': String(error.retryAfterSeconds) },
      );
      return;
    }
    const accountId = accountIdOf(tenant.schema, remote.id);
    const result: InteractionResults = { login: { accountId, remember: false }, consent: { grantId: await this.grant(accountId, pending) } };
    this.deps.logger.info('Hosted client signed in', { tenant: tenant.schema, client: remote.id, name: remote.name, asNewClient });
    this.deps.onSignIn?.('allowed');
    await this.deps.provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }

  /** The grant of this authorization: the MCP resource, with what the client asked of its scopes. */
  private async grant(accountId: string, pending: PendingSignIn): Promise<string> {
    const grant = new this.deps.provider.Grant({ accountId, clientId: pending.client.clientId });
    const requested = String(pending.params.scope ?? '').split(' ');
    if (requested.includes('offline_access')) grant.addOIDCScope('offline_access');
    const indicator =
      typeof pending.params.resource === 'string' && sameResource(pending.params.resource, this.deps.resourceUrl)
        ? pending.params.resource
        : this.deps.resourceUrl.href;
    grant.addResourceScope(indicator, requested.filter((scope) => scope === MCP_SCOPE).join(' '));
    return grant.save();
  }

  private form(res: ServerResponse, status: number, pending: PendingSignIn, error?: string, asNewClient = false, headers: Record<string, string> = {}): void {
    const target = formTargetOf(pending.redirectUri);
    const body = signInPage({
      action: `${SIGN_IN_PATH}/${pending.uid}`,
      clientName: displayName(pending.client),
      redirectTarget: redirectTargetOf(pending.redirectUri),
      serverHost: this.deps.publicUrl.host,
      error,
      asNewClient,
    });
    res.writeHead(status, { ...pageHeaders(target ? [target] : []), ...headers });
    res.end(body);
  }

  private failed(res: ServerResponse, error: unknown, method: string | undefined): void {
    if (isStoreDown(error)) {
      const retry = method === 'POST' ? 'Go back to the sign-in page and press Allow again in a moment.' : 'Reload this page in a moment.';
      this.message(res, 503, storeUnreachableText(), `Nothing was granted. ${retry}`);
    } else if (error instanceof errors.SessionNotFound) {
      this.message(res, 400, 'This sign-in has expired, was already used, or was opened in another browser.', 'Start the connection again from your client.');
    } else if (error instanceof errors.InvalidClient) {
      this.message(res, 400, 'The client that asked is no longer registered on this server.', 'Start the connection again from your client.');
    } else if (error instanceof HttpError) {
      this.message(res, error.status, error.message, 'Go back and try again.');
    } else {
      this.deps.logger.error('Hosted sign-in failed', { error: error instanceof Error ? error.message : String(error) });
      this.message(res, 500, 'Something went wrong on this server; nothing was granted.', 'Try again; if it keeps failing, tell whoever runs this server.');
    }
  }

  private message(res: ServerResponse, status: number, message: string, hint: string): void {
    res.writeHead(status, pageHeaders());
    res.end(
      messagePage({
        title: status === 503 ? 'The server cannot sign you in right now' : 'This sign-in cannot go on',
        message,
        hint,
        serverHost: this.deps.publicUrl.host,
      }),
    );
  }
}
