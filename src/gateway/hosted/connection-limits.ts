import type { Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';

/**
 * What one hosted process lets connections hold, so slow clients (slowloris) cannot take it: the
 * headers must arrive within 10 s and the whole request within 60 s (MCP requests are small; the
 * long-lived event streams are responses, which these do not limit), idle keep-alive connections
 * close after 65 s (longer than common load balancers' 60 s), and one process holds at most 2,000
 * connections, 200 of them from one client address (behind a proxy, the proxy's address: set its
 * own limits).
 */
export const HOSTED_CONNECTION_LIMITS = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 65_000,
  maxConnections: 2_000,
  perAddress: 200,
  /** How often Node checks the header and request timeouts. */
  checkEveryMs: 1_000,
};

export type ConnectionLimits = typeof HOSTED_CONNECTION_LIMITS;

/** Options for `http.createServer` (the timeouts are checked on Node's own interval). */
export function hostedServerOptions(limits: Partial<ConnectionLimits> = {}): ServerOptions {
  const all = { ...HOSTED_CONNECTION_LIMITS, ...limits };
  return {
    headersTimeout: all.headersTimeoutMs,
    requestTimeout: all.requestTimeoutMs,
    keepAliveTimeout: all.keepAliveTimeoutMs,
    connectionsCheckingInterval: all.checkEveryMs,
  };
}

/**
 * Caps connections per process and per client address; a connection over a cap is closed at once.
 * Behind trusted proxies (DEMENTIA_TRUST_PROXY) every connection comes from a proxy, so a cap per
 * address would cap the whole process at one address's share: there only the process cap holds
 * (per client, the proxy limits connections and the sign-in limiter sees X-Forwarded-For).
 */
export function capConnections(server: Server, limits: Partial<ConnectionLimits> = {}, trustedProxies = 0): void {
  const all = { ...HOSTED_CONNECTION_LIMITS, ...limits };
  server.maxConnections = all.maxConnections;
  if (trustedProxies > 0) return;
  const perAddress = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = (perAddress.get(address) ?? 0) + 1;
    if (count > all.perAddress) {
      socket.destroy();
      return;
    }
    perAddress.set(address, count);
    socket.once('close', () => {
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left <= 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
  });
}
