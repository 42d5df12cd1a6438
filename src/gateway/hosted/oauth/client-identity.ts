import type { ClientKind } from '../../store/clients.ts';

/** What the sign-in needs to know of the OAuth client that asks (an oidc-provider Client). */
export interface OAuthClientFacts {
  clientId: string;
  clientName?: string | undefined;
  redirectUris?: readonly string[] | undefined;
  /** Set by oidc-provider on clients resolved from a client ID metadata document. */
  clientIdMetadataDocument?: boolean;
}

/**
 * The name shown on the sign-in page and given to the remote client. Anyone can register any name,
 * so control and format characters (bidi overrides that reorder text, zero-width characters) are
 * shown as U+FFFD, and the name is cut to a line's length.
 */
export const displayName = (client: OAuthClientFacts): string => {
  const shown = (client.clientName ?? '').replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '\uFFFD').trim();
  if (shown === '') return 'An unnamed client';
  return shown.length > MAX_NAME_CHARS ? `${shown.slice(0, MAX_NAME_CHARS - 1)}…` : shown;
};

const MAX_NAME_CHARS = 80;

/**
 * Where the code goes, as the sign-in page names it: scheme and host exactly
 * (`evilapp://claude.ai` is not `https://claude.ai`), or the whole URI when it has no host.
 */
export function redirectTargetOf(redirectUri: string): string {
  const url = URL.parse(redirectUri);
  if (!url || url.host === '') return redirectUri.replace(/[\p{Cc}\p{Cf}]/gu, '\uFFFD');
  return `${url.protocol}//${url.host}`;
}

/**
 * What identifies the client software across its registrations (docs/design.md section 10): its client ID
 * metadata document URL (a stable client_id), or, for a dynamically registered client (a new
 * client_id on every fresh connection flow), its name and redirect URIs.
 */
export function clientKeyOf(client: OAuthClientFacts): string {
  if (client.clientIdMetadataDocument === true) return client.clientId;
  // A JSON array: never equal to a metadata document URL.
  return JSON.stringify([client.clientName?.trim() ?? '', ...[...new Set((client.redirectUris ?? []).map(withoutLoopbackPort))].sort()]);
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A native app's loopback redirect URI without its port: the app listens on whatever port is free
 * for each sign-in (RFC 8252 §7.3), so the port says nothing about which software it is.
 */
function withoutLoopbackPort(uri: string): string {
  const url = URL.parse(uri);
  if (!url || url.protocol !== 'http:' || !LOOPBACK.has(url.hostname) || url.port === '') return uri;
  url.port = '';
  return url.href;
}

/** The kind the desktop's lists show, guessed from the registered name. */
export function clientKindOf(name: string): ClientKind {
  if (/claude\s*code/i.test(name)) return 'claude-code';
  if (/claude\s*desktop/i.test(name)) return 'claude-desktop';
  if (/cursor/i.test(name)) return 'cursor';
  if (/vs\s*code|visual studio code/i.test(name)) return 'vscode';
  return 'other';
}

/**
 * Tokens carry the signed-in identity as oidc-provider's account id: the tenant schema and the remote
 * client, so refreshing a token keeps both.
 */
export const accountIdOf = (tenant: string, clientId: string): string => `${tenant}/${clientId}`;

export function parseAccountId(accountId: string | undefined): { tenant: string; clientId: string } | undefined {
  const match = /^(dementia_[0-9a-f]{16})\/([0-9a-f-]{36})$/i.exec(accountId ?? '');
  return match ? { tenant: match[1]!, clientId: match[2]! } : undefined;
}
