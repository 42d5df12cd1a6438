import type { IncomingMessage } from 'node:http';
import { headerValue } from '../http-utils.ts';

/**
 * Cross-site request defence for admin writes. The cookie is SameSite=Strict already; on top of
 * that a write must be JSON (a cross-site form or <img> cannot send that without a CORS preflight,
 * which this server never grants) and, when the browser names an Origin, it must be this very
 * gateway: the router lets any loopback origin through, but another local web server (a dev server
 * on localhost:3000) must not be able to drive the admin API.
 */
export function csrfProblem(req: IncomingMessage, port: number, viaCookie: boolean): string | undefined {
  const contentType = (headerValue(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType !== 'application/json') return 'Admin writes must send Content-Type: application/json.';
  const origin = headerValue(req, 'origin');
  if (origin === undefined) {
    // Browsers always send Origin on fetch POSTs; only non-browser callers (the local secret) omit it.
    return viaCookie ? 'Admin writes from a browser must carry an Origin header.' : undefined;
  }
  return sameGatewayOrigin(origin, port) ? undefined : 'Admin writes must come from the status page of this gateway.';
}

export function sameGatewayOrigin(origin: string, port: number): boolean {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === 'localhost') && Number(url.port) === port;
  } catch {
    return false;
  }
}
