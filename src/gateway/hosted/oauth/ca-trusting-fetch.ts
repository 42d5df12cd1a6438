import { request } from 'node:https';

/**
 * A fetch for client ID metadata documents that trusts one extra certificate authority and may
 * reach loopback addresses. Test use only (`HostedAuthDeps.testing.cimdCa`): the client_id must
 * still be an https URL whose certificate verifies, but the test's document server is on
 * 127.0.0.1 with its own CA, which the default fetch (public CAs, no private or loopback
 * addresses: SSRF protection) rightly refuses.
 */
export function fetchTrustingCa(ca: string): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  return (input, init = {}) =>
    new Promise((resolve, reject) => {
      const target = new URL(input instanceof Request ? input.url : input);
      if (target.protocol !== 'https:') {
        reject(new Error(`${target.protocol} is not https`));
        return;
      }
      const outgoing = request(
        target,
        { method: init.method ?? 'GET', headers: Object.fromEntries(new Headers(init.headers)), ca, ...(init.signal ? { signal: init.signal } : {}) },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', reject);
          incoming.on('end', () => {
            const status = incoming.statusCode ?? 502;
            const headers = new Headers();
            for (const [name, value] of Object.entries(incoming.headers)) {
              if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
            }
            resolve(new Response([204, 304].includes(status) ? null : Buffer.concat(chunks), { status, headers }));
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end();
    });
}
