import type { IncomingMessage } from 'node:http';
import type { Clock } from '../../clock.ts';
import { digestsEqual, newToken, sha256Hex } from '../../secrets.ts';
import { headerValue } from '../http-utils.ts';
import { setNewest } from '../../bounded-map.ts';

/**
 * Browser sessions of the status page. Browsers send a 127.0.0.1 cookie to every port of
 * 127.0.0.1, so a cookie alone would sign in whoever else listens there (a dev server, a hostile
 * process) and replays it with curl. A session therefore has two halves: an HttpOnly cookie, and a
 * page key that the sign-in response hands to the page itself, which keeps it in sessionStorage
 * (per origin, so per port: no other port's page can read it) and sends it as a header no other
 * site can set. Both halves are needed. The cookie's name carries the port, so two gateways signed
 * in in one browser do not overwrite each other's cookie.
 */
const PAGE_KEY_HEADER = 'x-dementia-admin';

/** Unused this long, a session ends (an open status page keeps it in use). */
const SESSION_IDLE_MS = 12 * 60 * 60_000;
/** However much it is used, a session ends this long after sign-in. */
const SESSION_MAX_MS = 7 * 24 * 60 * 60_000;
/** More sign-ins than this: the least recently used sessions go. */
const MAX_SESSIONS = 32;

interface Session {
  keyHash: string;
  createdAt: number;
  lastUsedAt: number;
}

export class BrowserSessions {
  private readonly clock: Clock;
  private readonly port: () => number;
  /** By cookie hash; Map order is least recently used first. */
  private readonly sessions = new Map<string, Session>();

  constructor(clock: Clock, port: () => number) {
    this.clock = clock;
    this.port = port;
  }

  /** A new session: the Set-Cookie header for the browser and the key for the page. */
  create(): { setCookie: string; pageKey: string } {
    const cookie = newToken('dcb');
    const pageKey = newToken('dcb');
    const now = this.clock.now();
    this.prune(now);
    setNewest(this.sessions, sha256Hex(cookie), { keyHash: sha256Hex(pageKey), createdAt: now, lastUsedAt: now }, MAX_SESSIONS);
    return { setCookie: `${this.cookieName()}=${cookie}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_MAX_MS / 1000}`, pageKey };
  }

  /** The id of the live session a request carries both halves of (and marks it used), or undefined. */
  authenticate(req: IncomingMessage): string | undefined {
    const id = this.cookieHash(req);
    const session = id === undefined ? undefined : this.sessions.get(id);
    if (!id || !session) return undefined;
    const key = headerValue(req, PAGE_KEY_HEADER);
    if (!key || !digestsEqual(sha256Hex(key), session.keyHash)) return undefined;
    return this.touch(id) ? id : undefined;
  }

  /** Marks a session used; false once it has ended (an open event stream asks this). */
  touch(id: string): boolean {
    const session = this.sessions.get(id);
    const now = this.clock.now();
    if (!session || this.expired(session, now)) {
      this.sessions.delete(id);
      return false;
    }
    session.lastUsedAt = now;
    this.sessions.delete(id);
    this.sessions.set(id, session);
    return true;
  }

  /** Ends a session; the Set-Cookie header that clears its cookie. */
  end(id: string): string {
    this.sessions.delete(id);
    return `${this.cookieName()}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
  }

  private cookieName(): string {
    return `dc_admin_${this.port()}`;
  }

  private cookieHash(req: IncomingMessage): string | undefined {
    const prefix = `${this.cookieName()}=`;
    const cookie = (req.headers.cookie ?? '')
      .split(';')
      .map((part) => part.trim())
      .find((part) => part.startsWith(prefix));
    return cookie === undefined ? undefined : sha256Hex(cookie.slice(prefix.length));
  }

  private expired(session: Session, now: number): boolean {
    return now - session.lastUsedAt > SESSION_IDLE_MS || now - session.createdAt > SESSION_MAX_MS;
  }

  private prune(now: number): void {
    for (const [id, session] of this.sessions) if (this.expired(session, now)) this.sessions.delete(id);
  }
}
