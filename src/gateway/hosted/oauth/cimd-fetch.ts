import { lookup as dnsLookup } from 'node:dns/promises';
import { request } from 'node:https';
import { isIP } from 'node:net';
import type { Logger } from '../../logger.ts';
import { isLoopbackAddress, isSpecialUseAddress } from './special-use-addresses.ts';

/** Resolves a host name to all its addresses (dns.lookup's answer; injectable for tests). */
export type ResolveHost = (hostname: string) => Promise<{ address: string; family: number }[]>;

export interface CimdFetchOptions {
  logger: Logger;
  resolve?: ResolveHost;
  /**
   * Test only (`HostedAuthDeps.testCimdCa`): trust this CA as well and let loopback addresses
   * through, for the test's document server on 127.0.0.1. Private and other special-use addresses
   * stay refused.
   */
  testCa?: string | undefined;
}

/** A metadata document is a few hundred bytes; oidc-provider refuses over 5 KB, this stops reading well before memory matters. */
const MAX_BODY_BYTES = 64 * 1024;
const TIMEOUT_MS = 5_000;

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * oidc-provider's `fetch` for client ID metadata documents, which name any https URL the client
 * likes. The host is resolved first and every address it resolves to is checked: loopback,
 * private, link-local, CGNAT, ULA, multicast and other special-use addresses are refused before any
 * connection. The connection then goes to the checked address itself (no second lookup, so no DNS
 * rebinding), with the host name kept for TLS verification. Bounded in size and time; redirects are
 * not followed (oidc-provider asks for manual redirects and refuses anything but 200).
 */
export function cimdFetch(options: CimdFetchOptions): Fetch {
  const resolve = options.resolve ?? ((hostname: string) => dnsLookup(hostname, { all: true, verbatim: true }));
  const allowed = (address: string) => !isSpecialUseAddress(address) || (options.testCa !== undefined && isLoopbackAddress(address));
  return async (input, init = {}) => {
    const target = new URL(input instanceof Request ? input.url : input);
    if (target.protocol !== 'https:') throw new Error(`${target.protocol} is not https`);
    const hostname = target.hostname.replace(/^\[(.*)\]$/, '$1');
    const addresses = isIP(hostname) !== 0 ? [{ address: hostname, family: isIP(hostname) }] : await resolve(hostname);
    const refused = addresses.find(({ address }) => !allowed(address));
    if (refused || addresses.length === 0) {
      const reason = refused ? `${target.host} is ${refused.address}, not a public address` : `${target.host} has no address`;
      options.logger.warn('Client ID metadata document refused before connecting', { clientId: target.href, reason });
      throw new Error(reason);
    }
    const pinned = addresses[0]!;
    return get(target, hostname, pinned, init, options.testCa);
  };
}

function get(target: URL, hostname: string, pinned: { address: string; family: number }, init: RequestInit, ca: string | undefined): Promise<Response> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      target,
      {
        method: 'GET',
        headers: Object.fromEntries(new Headers(init.headers)),
        // The connection goes to the address that was checked, whatever the name resolves to now.
        lookup: (_name, lookupOptions, callback) => {
          if (lookupOptions.all) callback(null, [pinned]);
          else callback(null, pinned.address, pinned.family);
        },
        ...(isIP(hostname) === 0 ? { servername: hostname } : {}),
        ...(ca ? { ca } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
        timeout: TIMEOUT_MS,
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        let size = 0;
        incoming.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            outgoing.destroy(new Error(`the document is larger than ${MAX_BODY_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        incoming.on('error', reject);
        incoming.on('end', () => {
          const status = incoming.statusCode ?? 502;
          const headers = new Headers();
          for (const [name, value] of Object.entries(incoming.headers)) {
            if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
          }
          resolve(new Response([204, 304].includes(status) || (status >= 300 && status < 400) ? null : Buffer.concat(chunks), { status, headers }));
        });
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    outgoing.on('error', reject);
    outgoing.end();
  });
}
