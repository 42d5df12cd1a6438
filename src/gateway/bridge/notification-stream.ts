import { request, type ClientRequest } from 'node:http';
import { messagesFromSse } from './sse.ts';

export interface NotificationStreamOptions {
  mcpUrl: () => string;
  /** The headers of the current MCP session for that gateway URL (authorization included), or undefined while there is none. */
  sessionHeaders: (mcpUrl: string) => Promise<Record<string, string> | undefined>;
  /** The gateway answered 401: the bridge's session token is stale (the gateway restarted). */
  onUnauthorized?: () => void;
  /** Hands one message from the gateway to the client. */
  deliver: (message: unknown) => void;
  log: (line: string) => void;
}

const MAX_BACKOFF_MS = 5_000;

/**
 * The gateway's messages that answer no request (notifications/resources/list_changed, ...) come on
 * the session's GET stream. The bridge holds that stream open and writes what arrives to stdout, so a
 * client behind it hears them as it would over HTTP. It reopens the stream when it drops (the
 * gateway restarted, or closed the idle connection: re-attach serves the same session again) and
 * when the session changes.
 */
export class NotificationStream {
  private readonly options: NotificationStreamOptions;
  private running: Promise<void> | undefined;
  private current: ClientRequest | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(options: NotificationStreamOptions) {
    this.options = options;
  }

  /** Opens the stream for the current session (again, if the session changed). */
  open(): void {
    if (this.stopped) return;
    this.current?.destroy();
    this.running ??= this.loop().finally(() => (this.running = undefined));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.destroy();
    this.wake?.();
    await this.running;
  }

  /** Waits before reconnecting; stop() cuts it short, and it never keeps the process alive. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref();
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async loop(): Promise<void> {
    let backoff = 250;
    while (!this.stopped) {
      const url = this.options.mcpUrl();
      // Proving the bridge to the gateway may fail (down, or not our gateway): then wait and retry.
      const headers = await this.options.sessionHeaders(url).catch(() => null);
      if (headers === undefined) return;
      const outcome = headers === null ? 'refused' : await this.listen(url, headers);
      if (this.stopped) return;
      if (outcome === 'unsupported') {
        this.options.log('the gateway offers no notification stream; notifications are not relayed');
        return;
      }
      if (outcome === 'streamed') backoff = 250;
      await this.pause(backoff);
      backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
    }
  }

  /** One GET stream, until it ends. */
  private listen(url: string, headers: Record<string, string>): Promise<'streamed' | 'refused' | 'unsupported'> {
    return new Promise((resolve) => {
      const req = request(url, { method: 'GET', headers: { ...headers, accept: 'text/event-stream' } }, (res) => {
        if (res.statusCode === 405) {
          res.resume();
          return resolve('unsupported');
        }
        if (res.statusCode !== 200) {
          if (res.statusCode === 401) this.options.onUnauthorized?.();
          res.resume();
          return resolve('refused');
        }
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          buffer += chunk;
          const events = buffer.split(/\r?\n\r?\n/);
          buffer = events.pop() ?? '';
          for (const event of events) this.relay(event);
        });
        res.on('close', () => resolve('streamed'));
      });
      this.current = req;
      req.on('error', () => resolve('refused'));
      req.end();
    });
  }

  private relay(event: string): void {
    let messages: unknown[];
    try {
      messages = messagesFromSse(event);
    } catch {
      this.options.log('the gateway sent an unreadable notification; skipped');
      return;
    }
    for (const message of messages) this.options.deliver(message);
  }
}
