import { createHash, randomBytes } from 'node:crypto';
import type { AuthorizationResponse } from './oauth-harness.ts';

/**
 * The OAuth protocol by hand (plain fetch, no SDK), for what a well-behaved SDK never sends: a wrong
 * verifier, a reused code, an unregistered redirect URI, plain PKCE; and to split one flow across
 * processes the way a load balancer would.
 */

export interface Registration {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
  client_name?: string;
  token_endpoint_auth_method?: string;
}

export async function register(base: URL, metadata: Record<string, unknown>): Promise<Registration> {
  const response = await fetch(new URL('/oauth/register', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none', ...metadata }),
  });
  const body = (await response.json()) as Registration & { error?: string };
  if (response.status !== 201) throw new Error(`registration refused (${response.status}): ${JSON.stringify(body)}`);
  return body;
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** A browser's cookies, by name (the server reads them by name; paths do not matter here). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at).trim();
      const value = pair!.slice(at + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  values(): string[] {
    return [...this.cookies.values()];
  }
}

export interface AuthorizationParams {
  clientId: string;
  redirectUri: string;
  challenge?: string | undefined;
  method?: string | undefined;
  resource?: string | undefined;
  scope?: string | undefined;
  state?: string;
}

export function authorizationUrl(base: URL, params: AuthorizationParams): URL {
  const url = new URL('/oauth/authorize', base);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', params.clientId);
  url.searchParams.set('redirect_uri', params.redirectUri);
  url.searchParams.set('state', params.state ?? 'state-1');
  if (params.challenge !== undefined) url.searchParams.set('code_challenge', params.challenge);
  if (params.method !== undefined) url.searchParams.set('code_challenge_method', params.method);
  if (params.resource !== undefined) url.searchParams.set('resource', params.resource);
  if (params.scope !== undefined) url.searchParams.set('scope', params.scope);
  return url;
}

/** GET with the jar's cookies, without following redirects. */
export async function visit(url: URL, jar: CookieJar): Promise<Response> {
  const response = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header(), accept: 'text/html' } });
  jar.take(response);
  return response;
}

/** Where a redirect goes, on `via` instead of the public URL when a test plays a load balancer. */
export function locationOf(response: Response, via?: URL): URL {
  const location = response.headers.get('location');
  if (!location) throw new Error(`expected a redirect, got ${response.status}`);
  const url = new URL(location, response.url);
  if (via) {
    url.protocol = via.protocol;
    url.host = via.host;
  }
  return url;
}

export async function postSignIn(signInUrl: URL, jar: CookieJar, form: { apiKey: string; asNewClient?: boolean }, origin: string): Promise<Response> {
  const body = new URLSearchParams({ api_key: form.apiKey, ...(form.asNewClient ? { as_new_client: '1' } : {}) });
  const response = await fetch(signInUrl, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: jar.header(), origin, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    body,
  });
  jar.take(response);
  return response;
}

/** Follows redirects from `response` until one goes to the client's redirect URI. */
export async function followToClient(response: Response, jar: CookieJar, redirectUri: string, via?: URL): Promise<AuthorizationResponse> {
  let current = response;
  for (let hop = 0; hop < 5; hop++) {
    const raw = new URL(current.headers.get('location') ?? '', current.url);
    if (raw.href.startsWith(redirectUri)) {
      return {
        url: raw,
        code: raw.searchParams.get('code'),
        error: raw.searchParams.get('error'),
        iss: raw.searchParams.get('iss'),
        state: raw.searchParams.get('state'),
      };
    }
    current = await visit(locationOf(current, via), jar);
  }
  throw new Error(`no redirect to ${redirectUri}; last answer ${current.status}: ${await current.text()}`);
}

/**
 * A newly registered client's sign-in page: its URL, and the jar holding the authorization's cookie.
 * `resource` is optional because the tests of the page itself ask as a client that names none.
 */
export async function openSignInPage(base: URL, client: { name: string; redirectUri: string }, resource?: string): Promise<{ signInUrl: URL; jar: CookieJar }> {
  const registration = await register(base, { client_name: client.name, redirect_uris: [client.redirectUri] });
  const jar = new CookieJar();
  const params = { clientId: registration.client_id, redirectUri: client.redirectUri, challenge: pkce().challenge, method: 'S256', resource };
  return { signInUrl: locationOf(await visit(authorizationUrl(base, params), jar)), jar };
}

/**
 * A whole sign-in by hand: authorize, the sign-in form (optionally posted to another process, as
 * behind a load balancer), and the redirects back to the client.
 */
export async function signInByHand(
  base: URL,
  params: AuthorizationParams,
  apiKey: string,
  options: { postTo?: URL; resumeOn?: URL; asNewClient?: boolean } = {},
): Promise<AuthorizationResponse & { jar: CookieJar }> {
  return signInOverHttp(authorizationUrl(base, params), params.redirectUri, apiKey, options);
}

/** The sign-in page's form, posted without a browser, from an authorization URL to the redirect back. */
export async function signInOverHttp(
  url: URL,
  redirectUri: string,
  apiKey: string,
  options: { postTo?: URL; resumeOn?: URL; asNewClient?: boolean } = {},
): Promise<AuthorizationResponse & { jar: CookieJar }> {
  const jar = new CookieJar();
  const first = await visit(url, jar);
  const signInUrl = locationOf(first, options.postTo);
  if (!signInUrl.pathname.startsWith('/oauth/sign-in/')) throw new Error(`expected the sign-in page, got ${signInUrl.href}`);
  const posted = await postSignIn(signInUrl, jar, { apiKey, ...(options.asNewClient ? { asNewClient: true } : {}) }, url.origin);
  if (posted.status !== 303) throw new Error(`sign-in answered ${posted.status}: ${await posted.text()}`);
  return { ...(await followToClient(posted, jar, redirectUri, options.resumeOn)), jar };
}

/** A token request; a client secret goes in the body (client_secret_post) or, with `basic`, in the Authorization header. */
export async function tokenRequest(
  base: URL,
  params: Record<string, string>,
  secret?: { id: string; secret: string; basic?: boolean },
): Promise<{ status: number; body: Record<string, string> }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  let fields = params;
  if (secret?.basic) headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(secret.id)}:${encodeURIComponent(secret.secret)}`).toString('base64')}`;
  else if (secret) fields = { ...params, client_id: secret.id, client_secret: secret.secret };
  const response = await fetch(new URL('/oauth/token', base), { method: 'POST', headers, body: new URLSearchParams(fields) });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}
