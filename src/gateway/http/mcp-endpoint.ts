import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createMcpHandler,
  isInitializeRequest,
  isLegacyRequest,
  LATEST_PROTOCOL_VERSION,
  ProtocolError,
  SUPPORTED_PROTOCOL_VERSIONS,
  WebStandardStreamableHTTPServerTransport,
  type AuthInfo,
  type McpHttpHandler,
  type Server,
} from '@modelcontextprotocol/server';
import type { Clock } from '../clock.ts';
import { CallerRefused } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { LiveConnections } from '../status-snapshot.ts';
import type { Caller } from '../sessions/caller.ts';
import { callKeyOf, IDEMPOTENCY_HEADER } from './call-key.ts';
import { CallerEventBus } from './caller-event-bus.ts';
import { ConnectionTable, type SessionCaps, type TableEntry } from './connection-table.ts';
import { directToolCall, errorOf, writeJsonRpc, type DirectToolCall } from './direct-tool-call.ts';
import { InitializeLimiter, type LimiterOptions } from './initialize-limiter.ts';
import { createMcpServer } from './mcp-server-factory.ts';
import { randomSessionIds, type SessionIds } from './session-ids.ts';
import type { McpSurface } from './mcp-surface.ts';
import { abortOnClose, webRequestOf, writeWebResponse } from './node-web.ts';

/**
 * A caller recognized but not yet confirmed (hosted: a remembered token, see
 * hosted/caller-confirmation.ts). `confirm` throws CallerRefused when the caller is refused.
 */
export interface UnconfirmedCaller {
  /** Runs work during which the caller's check may be answered along the way. */
  during<T>(work: () => Promise<T>): Promise<T>;
  /** Answers the check if nothing did yet. */
  confirm(): Promise<void>;
}

/** One MCP transport session of a client (Mcp-Session-Id). Disposable: identity lives in the token. */
export interface Connection extends TableEntry {
  transport: WebStandardStreamableHTTPServerTransport;
  server: Server;
  createdAt: number;
  /** Answers as plain JSON (the client did not ask for SSE first): tools/call can take the direct path. */
  jsonResponses: boolean;
  /** Tool calls answered on the direct path (see direct-tool-call.ts). */
  directCalls: number;
  /** GET streams open right now: the client is there while one is. */
  openStreams: number;
  /** When its last GET stream ended (the client left, or its network did). */
  streamEndedAt: number | undefined;
  /** True when the session id was unknown (gateway restart, or closed) and re-attached for a valid token. */
  reattached: boolean;
  /**
   * A re-attached session whose client has not yet had a GET stream here: notifications sent while
   * it had none (the restart, or the failover to this process) never reached it, and this process
   * never saw what it listed or subscribed to. Its first stream starts with a list_changed, so the
   * client lists again instead of keeping a stale list.
   */
  mayHaveMissedChanges: boolean;
}

/** Session ids this gateway issues are UUIDs (hosted: signed, see session-ids.ts); the spec allows visible ASCII. Anything else is refused, not stored. */
const SESSION_ID = /^[\x21-\x7e]{1,128}$/;

/** Connections idle this long (by their last request, not by open streams) are closed. */
export const CONNECTION_IDLE_MS = 15 * 60_000;

/**
 * A client whose GET stream ended and that sent nothing since has left (SDK clients reconnect a
 * broken stream within seconds); its session is closed after this, so counts go down. Were it
 * wrong, the session would just be re-attached on the client's next request.
 */
const LEFT_AFTER_MS = 60_000;

const DEFAULT_LEGACY_VERSION = '2025-03-26';

const jsonRpcError = (status: number, code: number, message: string, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

/** The same client of the same tenant (client ids are per tenant). */
const sameClient = (a: Caller, b: Caller): boolean => a.client.id === b.client.id && a.tenant === b.tenant;

function callerOf(authInfo: AuthInfo | undefined): Caller {
  const caller = authInfo?.extra?.caller as Caller | undefined;
  if (!caller) throw new Error('MCP request reached the SDK without an authenticated caller');
  return caller;
}

/** Clients that list text/event-stream first get SSE responses; everyone else gets plain JSON. */
function prefersSse(request: Request): boolean {
  const accept = request.headers.get('accept') ?? '';
  return accept.trim().toLowerCase().startsWith('text/event-stream');
}

const STREAM_OPENED = new TextEncoder().encode(': stream open\n\n');

/**
 * The SDK's GET stream sends nothing until its first keep-alive (15 s), and the node adapter sends
 * no headers before the first body chunk: a client waiting for the stream would wait 15 s. An SSE
 * comment (ignored by every client) sends the headers at once.
 */
function openStreamAtOnce(response: Response): Response {
  if (!response.body || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) return response;
  const source = response.body;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start: (controller) => controller.enqueue(STREAM_OPENED),
    pull: async (controller) => {
      reader ??= source.getReader();
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => (reader ? reader.cancel(reason) : source.cancel(reason)),
  });
  return new Response(body, { status: response.status, headers: response.headers });
}

/** An answer, and the connection whose GET stream it is, if it is one. */
interface Routed {
  response: Response;
  stream?: Connection;
}

/** The last time the client was heard from on this connection: its last request, or the end of its stream. */
const contactOf = (connection: Connection): number => Math.max(connection.lastRequestAt, connection.streamEndedAt ?? 0);

/** Its stream ended a while ago and nothing came since (see LEFT_AFTER_MS). */
const hasLeft = (connection: Connection, now: number): boolean =>
  connection.openStreams === 0 &&
  connection.streamEndedAt !== undefined &&
  connection.streamEndedAt >= connection.lastRequestAt &&
  now - connection.streamEndedAt >= LEFT_AFTER_MS;

const isInitialize = (body: unknown): boolean => (Array.isArray(body) ? body.some((message) => isInitializeRequest(message)) : isInitializeRequest(body));

/**
 * The MCP endpoint. 2025-era traffic (2025-03-26, 2025-06-18, 2025-11-25) is served by sessionful
 * transports keyed by Mcp-Session-Id; a session id the gateway does not know (it restarted, or the
 * connection was closed) is re-attached for the same client instead of stranding the client on 404.
 * 2026-07-28 traffic is session-less and served per request. Either way the caller comes from the
 * token, never from the session id, and an unknown id is re-attached only for the caller it was
 * issued to (SessionIds).
 *
 * Memory is bounded by the work, not by reconnects: live sessions are capped per client and per
 * client instance (least recently used closed first), new sessions, by initialize or by
 * re-attaching an unknown id, are rate-limited per client, and a hosted tenant holds at most
 * `sessionsPerTenant` live sessions on a process (429 beyond it).
 */
export class McpEndpoint {
  private readonly connections: ConnectionTable<Connection>;
  private readonly reattaching = new Map<string, Promise<Connection>>();
  private readonly modern: McpHttpHandler;
  private readonly surface: McpSurface;
  private readonly bus: CallerEventBus;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly onConnectionsChanged: () => void;
  private readonly onContact: (caller: Caller, at: number) => void;
  private readonly initializeLimiter: InitializeLimiter;
  private readonly reattachLimiter: InitializeLimiter;
  private readonly idleMs: number;
  private readonly sessionIds: SessionIds;
  private readonly sessionsPerTenant: number | undefined;
  /** Sessions of a tenant being opened right now: counted against its cap before they are live. */
  private readonly openingByTenant = new Map<string, number>();
  private reaper: NodeJS.Timeout | undefined;

  constructor(deps: {
    /** Tools, prompts and resources, and the change notifications of resources. */
    surface: McpSurface;
    clock: Clock;
    logger: Logger;
    onConnectionsChanged?: () => void;
    /** A session of the client was opened, re-attached or closed (for "last connected"). */
    onContact?: (caller: Caller, at: number) => void;
    /** Per-client limit on new sessions (reconnect storms); re-attaching unknown ids has its own bucket of the same size. */
    initializeLimit?: LimiterOptions;
    /** Live sessions per client and per client instance. */
    sessionCaps?: SessionCaps;
    /** Connections without a request for this long are closed. */
    connectionIdleMs?: number;
    /** How session ids are made and checked before re-attaching one (hosted: signed, see session-ids.ts). */
    sessionIds?: SessionIds;
    /** Live sessions one hosted tenant may hold on this process (none locally): beyond it, 429. */
    sessionsPerTenant?: number;
  }) {
    this.surface = deps.surface;
    this.bus = new CallerEventBus(deps.surface.changes);
    this.clock = deps.clock;
    this.logger = deps.logger;
    this.onConnectionsChanged = deps.onConnectionsChanged ?? (() => {});
    this.onContact = deps.onContact ?? (() => {});
    this.initializeLimiter = new InitializeLimiter(deps.clock, deps.initializeLimit);
    this.reattachLimiter = new InitializeLimiter(deps.clock, deps.initializeLimit);
    this.connections = new ConnectionTable(deps.sessionCaps);
    this.idleMs = deps.connectionIdleMs ?? CONNECTION_IDLE_MS;
    this.sessionIds = deps.sessionIds ?? randomSessionIds;
    this.sessionsPerTenant = deps.sessionsPerTenant;
    this.modern = createMcpHandler((ctx) => createMcpServer(this.surface, callerOf(ctx.authInfo)), {
      legacy: 'reject',
      bus: this.bus,
      onerror: (error) => this.logger.warn('MCP request rejected', { error: error.message }),
    });
  }

  /**
   * Serves one authenticated HTTP request; `body` is the already parsed JSON body of a POST. An
   * `unconfirmed` caller is confirmed before anything is answered: a direct tools/call runs first
   * (its transaction confirms the caller on the way), every other request after. Throws
   * CallerRefused, with nothing written to `res`, when the caller is refused.
   */
  async handle(req: IncomingMessage, res: ServerResponse, caller: Caller, body: unknown, unconfirmed?: UnconfirmedCaller): Promise<void> {
    const direct = directToolCall(req, body);
    if (direct) {
      const connection = this.liveConnection(req, caller);
      if (connection?.jsonResponses) return this.answerDirectly(req, res, connection, direct, unconfirmed);
    }
    await unconfirmed?.confirm();
    // The token itself never travels further than authentication.
    const authInfo: AuthInfo = { token: '[redacted]', clientId: caller.client.id, scopes: [], extra: { caller } };
    let answer: Routed;
    try {
      answer = await this.route(res, webRequestOf(req), body, authInfo, caller);
    } catch (error) {
      this.logger.error('MCP request failed', { error: error instanceof Error ? error.message : String(error) });
      answer = { response: jsonRpcError(500, -32603, 'Internal server error; see the gateway log.') };
    }
    const { response, stream } = answer;
    if (!stream) return writeWebResponse(res, response);
    stream.openStreams++;
    if (stream.mayHaveMissedChanges) {
      stream.mayHaveMissedChanges = false;
      void stream.server.sendResourceListChanged().catch(() => {});
    }
    try {
      await writeWebResponse(res, response);
    } finally {
      stream.openStreams--;
      stream.streamEndedAt = this.clock.now();
    }
  }

  list(): Connection[] {
    return this.connections.list();
  }

  /** The caller's own live session named by the request, if any. */
  private liveConnection(req: IncomingMessage, caller: Caller): Connection | undefined {
    const sessionId = req.headers['mcp-session-id'];
    const connection = typeof sessionId === 'string' ? this.connections.get(sessionId) : undefined;
    return connection && sameClient(connection.caller, caller) ? connection : undefined;
  }

  /** A plain tools/call on a live JSON session, answered without the SDK's web stack (see direct-tool-call.ts). */
  private async answerDirectly(
    req: IncomingMessage,
    res: ServerResponse,
    connection: Connection,
    call: DirectToolCall,
    unconfirmed: UnconfirmedCaller | undefined,
  ): Promise<void> {
    connection.lastRequestAt = this.clock.now();
    connection.inFlight++;
    connection.directCalls++;
    let answer: Record<string, unknown>;
    try {
      const idempotencyKey = req.headers[IDEMPOTENCY_HEADER];
      const callKey = callKeyOf(typeof idempotencyKey === 'string' ? idempotencyKey : undefined, connection.id, call.id);
      const run = () => this.surface.tools.call(call.name, call.args, connection.caller, { callKey });
      answer = { result: await (unconfirmed ? unconfirmed.during(run) : run()), jsonrpc: '2.0', id: call.id };
    } catch (error) {
      if (error instanceof CallerRefused) throw error;
      if (!(error instanceof ProtocolError)) this.logger.error('tools/call failed', { error: error instanceof Error ? error.message : String(error) });
      answer = { jsonrpc: '2.0', id: call.id, error: errorOf(error) };
    } finally {
      connection.inFlight--;
    }
    await unconfirmed?.confirm();
    writeJsonRpc(res, connection.id, answer);
  }

  /** Per client id: its live sessions, and its last contact over them (now while a stream is open). */
  liveByClient(): Map<string, LiveConnections> {
    const now = this.clock.now();
    const live = new Map<string, LiveConnections>();
    for (const connection of this.connections.list()) {
      const at = connection.openStreams > 0 ? now : contactOf(connection);
      const clientId = connection.caller.client.id;
      const seen = live.get(clientId);
      live.set(clientId, { sessions: (seen?.sessions ?? 0) + 1, lastContactAt: Math.max(seen?.lastContactAt ?? 0, at) });
    }
    return live;
  }

  /** What the endpoint holds in memory; tests check it stays bounded and returns to its idle size. */
  stats(): { connections: number; reattaching: number; limiterBuckets: number } {
    return {
      connections: this.connections.size,
      reattaching: this.reattaching.size,
      limiterBuckets: this.initializeLimiter.size + this.reattachLimiter.size,
    };
  }

  /** Connections and listen streams told about resource changes; back to 0 when they have all closed. */
  watcherCount(): number {
    return this.surface.changes.size;
  }

  /**
   * Closes connections idle for at least `idleMs`, measured by their last request (clients that
   * never send DELETE, or hold a GET stream open forever, still get reaped); returns how many.
   */
  async reapIdle(idleMs: number = this.idleMs): Promise<number> {
    this.initializeLimiter.prune();
    this.reattachLimiter.prune();
    const now = this.clock.now();
    const idle = this.list().filter((connection) => connection.inFlight === 0 && (connection.lastRequestAt <= now - idleMs || hasLeft(connection, now)));
    await Promise.all(idle.map((connection) => this.close(connection)));
    return idle.length;
  }

  startReaper(): void {
    this.reaper = setInterval(() => void this.reapIdle().catch((error) => this.logger.error('reaper failed', { error: String(error) })), LEFT_AFTER_MS / 2);
    this.reaper.unref();
  }

  async closeAll(): Promise<void> {
    if (this.reaper) clearInterval(this.reaper);
    await Promise.all(this.list().map((connection) => this.close(connection)));
  }

  private async close(connection: Connection): Promise<void> {
    if (!this.connections.delete(connection.id)) return;
    await connection.transport.close().catch(() => {});
    this.closed(connection);
  }

  /** Bookkeeping once a connection left the table (closed here, by DELETE, or evicted). */
  private closed(connection: Connection): void {
    this.onContact(connection.caller, contactOf(connection));
    this.onConnectionsChanged();
  }

  private tooMany(what: string, caller: Caller, retryAfter: number, advice: string): Response {
    this.logger.warn(`${what} rate-limited`, { client: caller.client.name });
    return jsonRpcError(429, -32000, `Too many ${what} from client "${caller.client.name}" in a short time. ${advice} Or retry in ${retryAfter} s.`, {
      'retry-after': String(retryAfter),
    });
  }

  /**
   * Runs `work` (which opens a session) unless the caller's tenant already holds its cap of live
   * sessions on this process, counting the ones being opened, so a burst cannot overshoot.
   */
  private async withinTenantCap<T>(caller: Caller, work: () => Promise<T>): Promise<T | Response> {
    const cap = this.sessionsPerTenant;
    const tenant = caller.tenant;
    if (cap === undefined || tenant === undefined) return work();
    const opening = this.openingByTenant.get(tenant) ?? 0;
    if (this.connections.countOfTenant(tenant) + opening >= cap) {
      const retryAfter = LEFT_AFTER_MS / 1000;
      this.logger.warn('tenant session cap reached', { tenant, client: caller.client.name, cap });
      return jsonRpcError(
        429,
        -32000,
        `Too many sessions: the tenant of client "${caller.client.name}" holds ${cap} live MCP sessions on this server process, the most one tenant may hold. ` +
          `Keep using the Mcp-Session-Id you have, close sessions you no longer use (idle ones close after ${Math.round(this.idleMs / 60_000)} minutes), or retry in ${retryAfter} s.`,
        { 'retry-after': String(retryAfter) },
      );
    }
    this.openingByTenant.set(tenant, opening + 1);
    try {
      return await work();
    } finally {
      const left = (this.openingByTenant.get(tenant) ?? 1) - 1;
      if (left > 0) this.openingByTenant.set(tenant, left);
      else this.openingByTenant.delete(tenant);
    }
  }

  /** The answer to a request, and the connection whose GET stream it is, if it is one. */
  private async route(res: ServerResponse, request: Request, body: unknown, authInfo: AuthInfo, caller: Caller): Promise<Routed> {
    if (!(await isLegacyRequest(request, body))) {
      // Session-less revision: a listen stream ends when its client leaves, which needs the signal.
      return {
        response: await this.bus.within(caller, () => this.modern.fetch(new Request(request, { signal: abortOnClose(res) }), { parsedBody: body, authInfo })),
      };
    }
    const routed = await this.routeSessionful(request, body, authInfo, caller);
    return routed instanceof Response ? { response: routed } : routed;
  }

  /** 2025-era traffic: sessions by Mcp-Session-Id, opened, re-attached or refused. */
  private async routeSessionful(request: Request, body: unknown, authInfo: AuthInfo, caller: Caller): Promise<Response | Routed> {
    const options = { parsedBody: body, authInfo };
    const sessionId = request.headers.get('mcp-session-id');
    if (isInitialize(body)) {
      const retryAfter = this.initializeLimiter.take(caller.client.id);
      if (retryAfter > 0) {
        return this.tooMany(
          'new MCP sessions',
          caller,
          retryAfter,
          'Keep using the Mcp-Session-Id you already have (it stays valid, even across gateway restarts).',
        );
      }
      return this.withinTenantCap(caller, async () => this.serve(await this.open(caller, undefined, prefersSse(request)), request, options));
    }
    if (!sessionId) {
      return jsonRpcError(400, -32000, 'Bad Request: Mcp-Session-Id header is required. Send initialize first, then its session id on every request.');
    }
    if (!SESSION_ID.test(sessionId)) {
      return jsonRpcError(
        400,
        -32000,
        'Bad Request: Mcp-Session-Id must be 1 to 128 visible ASCII characters, as this gateway issued it. Send initialize for a new session.',
      );
    }
    let connection = this.connections.get(sessionId);
    if (connection && !sameClient(connection.caller, caller)) {
      // Another client's session: answer as if it did not exist, leaking nothing.
      return jsonRpcError(404, -32001, 'Session not found');
    }
    if (!connection) {
      if (request.method === 'DELETE') return new Response(null, { status: 200 });
      // Issued to another tenant or client (on another process, or before a restart): unknown here.
      if (!this.sessionIds.issuedTo(sessionId, caller)) return jsonRpcError(404, -32001, 'Session not found');
      const pending = this.reattaching.get(sessionId);
      if (pending) connection = await pending;
      else {
        const retryAfter = this.reattachLimiter.take(caller.client.id);
        if (retryAfter > 0) {
          return this.tooMany(
            'unknown MCP session ids',
            caller,
            retryAfter,
            'Session ids this gateway does not know are re-attached only a few at a time; send initialize for a new session instead.',
          );
        }
        const reattached = await this.withinTenantCap(caller, () => this.reattach(caller, sessionId, request));
        if (reattached instanceof Response) return reattached;
        connection = reattached;
      }
      if (!sameClient(connection.caller, caller)) return jsonRpcError(404, -32001, 'Session not found');
    }
    connection.lastRequestAt = this.clock.now();
    const response = await this.serve(connection, request, options);
    return request.method === 'GET' ? { response: openStreamAtOnce(response), stream: connection } : { response };
  }

  /** One request on a connection; while it runs, the connection is busy and never evicted. */
  private async serve(connection: Connection, request: Request, options: { parsedBody: unknown; authInfo: AuthInfo }): Promise<Response> {
    connection.inFlight++;
    try {
      return await connection.transport.handleRequest(request, options);
    } finally {
      connection.inFlight--;
    }
  }

  private async open(caller: Caller, sessionId: string | undefined, sse: boolean): Promise<Connection> {
    const now = this.clock.now();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => sessionId ?? this.sessionIds.issue(caller),
      enableJsonResponse: !sse,
      onsessioninitialized: (id) => {
        connection.id = id;
        const evicted = this.connections.add(connection);
        for (const old of evicted) {
          void old.transport.close().catch(() => {});
          this.closed(old);
        }
        if (evicted.length > 0) this.logger.info('closed least recently used MCP sessions', { client: caller.client.name, count: evicted.length });
        this.onContact(caller, now);
        this.onConnectionsChanged();
      },
      onsessionclosed: (id) => {
        if (this.connections.get(id) === connection && this.connections.delete(id)) this.closed(connection);
      },
    });
    // Notifications reach a 2025 client only through its GET stream: without one, none are prepared.
    const server = createMcpServer(this.surface, caller, { connection: true, listening: () => connection.openStreams > 0 });
    const connection: Connection = {
      id: '',
      caller,
      transport,
      server,
      createdAt: now,
      lastRequestAt: now,
      inFlight: 0,
      jsonResponses: !sse,
      directCalls: 0,
      openStreams: 0,
      streamEndedAt: undefined,
      reattached: sessionId !== undefined,
      mayHaveMissedChanges: sessionId !== undefined,
    };
    await server.connect(transport);
    return connection;
  }

  /** Serves an unknown session id of a valid client: replays a handshake under that id (public API only). */
  private reattach(caller: Caller, sessionId: string, request: Request): Promise<Connection> {
    const headerVersion = request.headers.get('mcp-protocol-version') ?? DEFAULT_LEGACY_VERSION;
    const version = SUPPORTED_PROTOCOL_VERSIONS.includes(headerVersion) ? headerVersion : LATEST_PROTOCOL_VERSION;
    const work = (async () => {
      const connection = await this.open(caller, sessionId, prefersSse(request));
      const post = (body: unknown, headers: Record<string, string> = {}) =>
        new Request('http://127.0.0.1/mcp', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
          body: JSON.stringify(body),
        });
      const init = await connection.transport.handleRequest(
        post({
          jsonrpc: '2.0',
          id: 0,
          method: 'initialize',
          params: { protocolVersion: version, capabilities: {}, clientInfo: { name: caller.client.name, version: 'reattached' } },
        }),
      );
      await init.text();
      await connection.transport.handleRequest(
        post({ jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-session-id': sessionId, 'mcp-protocol-version': version }),
      );
      this.logger.info('re-attached MCP session', { client: caller.client.name, session: sessionId.slice(0, 8) });
      return connection;
    })();
    this.reattaching.set(sessionId, work);
    return work.finally(() => this.reattaching.delete(sessionId));
  }
}
