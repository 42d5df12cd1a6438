import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { UserError } from '../errors.ts';
import { IDEMPOTENCY_HEADER } from '../http/call-key.ts';
import { isNotOurGateway, isRefusal } from './gateway-proof.ts';
import { closeGatewaySockets, isUnreachable, sendToGateway, type GatewayReply } from './gateway-post.ts';
import { NotificationStream } from './notification-stream.ts';
import { messagesFromSse } from './sse.ts';

export interface BridgeOptions {
  /** Asked again after every failed connection: a restarted gateway may listen on another port. */
  mcpUrl: () => string;
  /** Identity headers sent with every request (instance key, project pin; an authorization if no credentials). */
  headers: Record<string, string>;
  /** Proves the bridge to the gateway (gateway-proof.ts) and yields the Authorization header for it. */
  credentials?: BridgeCredentials | undefined;
  /** How long one message keeps being retried while the gateway is down or restarting. */
  retryForMs: number;
  input?: Readable;
  output?: Writable;
  log: (line: string) => void;
  /** Holds the session's GET stream open and relays what the gateway sends unasked (list_changed, ...). */
  relayNotifications?: boolean;
  /** Injected in tests; real time otherwise. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface BridgeCredentials {
  authorization(mcpUrl: string): Promise<string>;
  /** The gateway restarted, moved or refused the session: prove again next time. */
  forget(): void;
}

type Id = string | number;
interface Message {
  jsonrpc: '2.0';
  id?: Id | null;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: unknown;
}

/** Answers to a request the gateway could not take; a tool call gets a readable tool result instead. */
function failureFor(message: Message, text: string): Message {
  if (message.method === 'tools/call') return { jsonrpc: '2.0', id: message.id!, result: { isError: true, content: [{ type: 'text', text }] } };
  return { jsonrpc: '2.0', id: message.id!, error: { code: -32000, message: text } };
}

const isRequest = (message: Message): boolean => message.method !== undefined && message.id !== undefined && message.id !== null;
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Speaks MCP on stdin/stdout (for clients that launch servers as commands, like Claude Desktop) and
 * forwards every message to the gateway over Streamable HTTP. While the gateway is down it waits and
 * retries instead of exiting, so the client never has to be restarted; after a gateway restart it
 * keeps its session id, which the gateway re-attaches to the same client, instance and project.
 */
export class StdioBridge {
  private readonly options: BridgeOptions;
  private readonly output: Writable;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private sessionId: string | undefined;
  private protocolVersion: string | undefined;
  /** The client's own initialize, replayed if the gateway ever forgets the session (404). */
  private initialize: Message | undefined;
  private reinitializing: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly notifications: NotificationStream | undefined;

  constructor(options: BridgeOptions) {
    this.options = options;
    this.output = options.output ?? process.stdout;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
    this.notifications = options.relayNotifications
      ? new NotificationStream({
          mcpUrl: options.mcpUrl,
          sessionHeaders: async (url) => (this.sessionId ? this.requestHeaders(url) : undefined),
          onUnauthorized: () => this.options.credentials?.forget(),
          deliver: (message) => this.write(message as Message),
          log: options.log,
        })
      : undefined;
  }

  /** Runs until stdin closes; then ends the gateway session politely. */
  async run(): Promise<void> {
    const lines = createInterface({ input: this.options.input ?? process.stdin, crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      const work = this.receive(line).catch((error: unknown) => this.options.log(`bridge error: ${String(error)}`));
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
    }
    await Promise.all(this.inFlight);
    await this.notifications?.stop();
    await this.endSession();
    closeGatewaySockets();
  }

  /** One line from the client: a message or a batch. */
  async receive(line: string): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.write({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error: the bridge received a line that is not JSON.' } });
      return;
    }
    const messages = (Array.isArray(parsed) ? parsed : [parsed]) as Message[];
    if (messages.some((m) => m.method === 'initialize')) {
      this.initialize = messages.find((m) => m.method === 'initialize');
      this.sessionId = undefined;
    } else if (this.reinitializing) {
      await this.reinitializing;
    }
    await this.forward(parsed, messages);
    // The session is ready once the client said so: from now on the gateway may speak unasked.
    if (this.sessionId && messages.some((m) => m.method === 'notifications/initialized')) this.notifications?.open();
  }

  /**
   * Sends one message (or batch) until the gateway answers. Every attempt carries the same
   * Idempotency-Key: a tool call the gateway applied before the connection broke is answered from
   * that first execution when it arrives again, not applied twice.
   */
  private async forward(payload: unknown, messages: Message[], reinitialized = false, idempotencyKey: string = randomUUID()): Promise<void> {
    const body = JSON.stringify(payload);
    const deadline = this.now() + this.options.retryForMs;
    let lastProblem = '';
    let impostor: UserError | undefined;
    let reproved = false;
    for (let attempt = 0; ; attempt++) {
      let reply: GatewayReply | undefined;
      const url = this.options.mcpUrl();
      try {
        reply = await sendToGateway(url, 'POST', { ...(await this.requestHeaders(url)), [IDEMPOTENCY_HEADER]: idempotencyKey }, body);
      } catch (error) {
        if (isRefusal(error)) return this.giveUp(messages, error.describe(), true);
        // Whoever answers next may be another process: prove the gateway again before sending.
        this.options.credentials?.forget();
        if (isNotOurGateway(error)) {
          if (impostor === undefined) this.options.log(`${error.message} Waiting for the real gateway.`);
          impostor = error;
          lastProblem = 'not our gateway';
        } else {
          if (!isUnreachable(error)) throw error;
          impostor = undefined;
          lastProblem = `${(error as NodeJS.ErrnoException).code ?? String(error)}`;
          if (attempt === 0) this.options.log(`gateway unreachable at ${url} (${lastProblem}); waiting for it`);
        }
      }
      if (reply) {
        if (reply.status === 401 && this.options.credentials && !reproved) {
          // A restarted gateway forgot the session token: prove the bridge again, once.
          this.options.credentials.forget();
          reproved = true;
          continue;
        }
        if (reply.status === 404 && this.sessionId && this.initialize && !reinitialized) {
          await this.reinitialize();
          return this.forward(payload, messages, true, idempotencyKey);
        }
        const wait = reply.status === 429 || reply.status === 503 ? this.retryAfterMs(reply) : undefined;
        if (wait === undefined) return this.deliver(reply, messages);
        lastProblem = `HTTP ${reply.status}`;
        if (this.now() + wait > deadline) return this.giveUp(messages, `the gateway is busy (${lastProblem})`);
        await this.sleep(wait);
        continue;
      }
      if (this.now() >= deadline) {
        if (impostor) return this.giveUp(messages, impostor.describe(), true);
        return this.giveUp(messages, `Dementia Companion is not reachable at ${url} (${lastProblem}) after ${Math.round(this.options.retryForMs / 1000)} s`);
      }
      // A dead pooled socket fails at once: retry that at once; a refused connection backs off.
      await this.sleep(attempt === 0 && lastProblem === 'ECONNRESET' ? 0 : Math.min(1_000, 50 * 2 ** attempt));
    }
  }

  private async requestHeaders(url: string): Promise<Record<string, string>> {
    return {
      ...this.options.headers,
      ...(this.options.credentials ? { authorization: await this.options.credentials.authorization(url) } : {}),
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(this.sessionId ? { 'mcp-session-id': this.sessionId } : {}),
      ...(this.protocolVersion ? { 'mcp-protocol-version': this.protocolVersion } : {}),
    };
  }

  private retryAfterMs(reply: GatewayReply): number {
    const seconds = Number(reply.headers['retry-after']);
    return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 500;
  }

  /** Hands the gateway's answer to the client; HTTP-level refusals become JSON-RPC answers with the request's id. */
  private deliver(reply: GatewayReply, messages: Message[]): void {
    const sessionHeader = reply.headers['mcp-session-id'];
    if (typeof sessionHeader === 'string') this.sessionId = sessionHeader;
    if (reply.status === 202 || reply.status === 204 || reply.body === '') {
      if (reply.status >= 400) this.giveUp(messages, `the gateway answered HTTP ${reply.status}`);
      return;
    }
    const type = String(reply.headers['content-type'] ?? '');
    let answers: Message[];
    try {
      answers = (type.includes('text/event-stream') ? messagesFromSse(reply.body) : [JSON.parse(reply.body)].flat()) as Message[];
    } catch {
      this.giveUp(messages, `the gateway answered HTTP ${reply.status} with an unreadable body`);
      return;
    }
    if (reply.status >= 400) {
      // Errors before the SDK carry id null; give them the id of the request they answer.
      const detail = answers.map((a) => (a.error as { message?: string } | undefined)?.message).find(Boolean) ?? `HTTP ${reply.status}`;
      // A refused identity is fixed in the client's config, not by starting the app: the gateway's words say how.
      this.giveUp(messages, detail, reply.status === 401);
      return;
    }
    for (const answer of answers) {
      const version = answer.result?.protocolVersion;
      if (typeof version === 'string' && this.initialize && answer.id === this.initialize.id) this.protocolVersion = version;
      this.write(answer);
    }
  }

  /** Answers every request of `messages` with `reason`; `explained` when it already says what to do. */
  private giveUp(messages: Message[], reason: string, explained = false): void {
    const text = explained
      ? reason
      : `${reason}. Start the Dementia Companion app (or \`dementia serve\`) and call the tool again; this client does not need a restart.`;
    this.options.log(reason);
    for (const message of messages.filter(isRequest)) this.write(failureFor(message, text));
  }

  /** The gateway forgot this session and would not re-attach it: open a new one the client never sees. */
  private reinitialize(): Promise<void> {
    this.reinitializing ??= (async () => {
      this.sessionId = undefined;
      const init = this.initialize!;
      const url = this.options.mcpUrl();
      const reply = await sendToGateway(url, 'POST', await this.requestHeaders(url), JSON.stringify({ ...init, id: `bridge-reinit-${this.now()}` }));
      const session = reply.headers['mcp-session-id'];
      if (typeof session === 'string') this.sessionId = session;
      await sendToGateway(url, 'POST', await this.requestHeaders(url), JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
      this.options.log('gateway session was re-initialized');
      this.notifications?.open();
    })().finally(() => {
      this.reinitializing = undefined;
    });
    return this.reinitializing;
  }

  private async endSession(): Promise<void> {
    if (!this.sessionId) return;
    const url = this.options.mcpUrl();
    await Promise.race([
      this.requestHeaders(url)
        .then((headers) => sendToGateway(url, 'DELETE', headers))
        .catch(() => undefined),
      this.sleep(500),
    ]);
  }

  private write(message: Message): void {
    this.output.write(`${JSON.stringify(message)}\n`);
  }
}

export function runStdioBridge(options: BridgeOptions): Promise<void> {
  return new StdioBridge(options).run();
}
