import type { IncomingMessage } from 'node:http';

/**
 * The address a request comes from, for rate limits. Behind `trustedProxies` reverse proxies the
 * address is the one the outermost trusted proxy saw: the entry that many places from the right of
 * X-Forwarded-For (entries further left are whatever the client sent). Without trusted proxies the
 * header is ignored, since anyone can send it.
 */
export function clientAddress(req: IncomingMessage, trustedProxies: number): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (trustedProxies <= 0) return peer;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => hop !== '');
  return hops[hops.length - trustedProxies] ?? hops[0] ?? peer;
}
