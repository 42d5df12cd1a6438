import type { IncomingMessage } from 'node:http';

/**
 * oidc-provider builds its URLs (endpoints in the metadata, redirects, cookie security) from the
 * request, as a Koa app behind a trusted proxy: from X-Forwarded-Proto and X-Forwarded-Host. The
 * hosted server knows its public URL, so it sets both to it on every request it hands over, whatever
 * the client or a proxy sent: no request can make it advertise another address.
 */
export function pinToPublicUrl(req: IncomingMessage, publicUrl: URL): void {
  req.headers['x-forwarded-proto'] = publicUrl.protocol.slice(0, -1);
  req.headers['x-forwarded-host'] = publicUrl.host;
}
