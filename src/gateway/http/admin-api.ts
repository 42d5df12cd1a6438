import type { IncomingMessage, ServerResponse } from 'node:http';
import { matchesSecret } from '../local-secret.ts';
import { newToken, sha256Hex } from '../secrets.ts';
import type { Services } from '../services.ts';
import { AdminCodes } from '../store/admin-codes.ts';
import { statusSnapshot, type ConnectionCounts } from '../status-snapshot.ts';
import { bearerToken, sendJson } from './http-utils.ts';

const COOKIE = 'dc_admin';

/**
 * The admin API behind the status page. It never accepts a client token: a browser signs in with a
 * one-time code (from `dementia status`) that becomes an HttpOnly, SameSite=Strict cookie; local
 * processes (CLI, desktop shell) use the local secret as a bearer token.
 */
export class AdminApi {
  private readonly services: Services;
  private readonly localSecret: string;
  private readonly codes: AdminCodes;
  private readonly connectionCounts: () => ConnectionCounts;
  private readonly browserSessions = new Set<string>();

  constructor(services: Services, localSecret: string, connectionCounts: () => ConnectionCounts) {
    this.services = services;
    this.localSecret = localSecret;
    this.codes = new AdminCodes(services.db, services.clock);
    this.connectionCounts = connectionCounts;
  }

  /** GET /auth?code=...: trades a one-time code for a browser session and opens the page. */
  exchange(url: URL, res: ServerResponse): void {
    const code = url.searchParams.get('code');
    if (!code || !this.codes.consume(code)) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end('This sign-in link is invalid, used or expired. Get a new one with: dementia status');
      return;
    }
    const session = newToken('dcb');
    this.browserSessions.add(sha256Hex(session));
    res.writeHead(303, {
      location: '/',
      'set-cookie': `${COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/`,
      'cache-control': 'no-store',
    });
    res.end();
  }

  isAuthorized(req: IncomingMessage): boolean {
    if (matchesSecret(bearerToken(req), this.localSecret)) return true;
    const cookie = (req.headers.cookie ?? '').split(';').map((part) => part.trim()).find((part) => part.startsWith(`${COOKIE}=`));
    return cookie !== undefined && this.browserSessions.has(sha256Hex(cookie.slice(COOKIE.length + 1)));
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!this.isAuthorized(req)) {
      sendJson(res, 401, { error: 'Not signed in. Open the link printed by `dementia status` (statusUrl).' });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/status') {
      sendJson(res, 200, statusSnapshot(this.services, this.connectionCounts()));
      return;
    }
    sendJson(res, 404, { error: `No admin endpoint ${req.method} ${url.pathname}.` });
  }
}
