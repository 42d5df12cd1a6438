import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Live status for the status window: a snapshot on connect and after every change, as SSE. */
export class StatusStream {
  private readonly changes: EventEmitter<{ change: [reason: string] }>;
  private readonly snapshot: () => unknown;
  private readonly coalesceMs: number;
  private readonly heartbeatMs: number;

  constructor(
    changes: EventEmitter<{ change: [reason: string] }>,
    snapshot: () => unknown,
    // A burst of tool calls becomes one update; 40 ms keeps "shows within a second" far away.
    options: { coalesceMs?: number; heartbeatMs?: number } = {},
  ) {
    this.changes = changes;
    this.snapshot = snapshot;
    this.coalesceMs = options.coalesceMs ?? 40;
    this.heartbeatMs = options.heartbeatMs ?? 20_000;
  }

  /** `alive`: asked at every event and heartbeat; once false (signed out, expired) the stream ends. */
  open(req: IncomingMessage, res: ServerResponse, alive: () => boolean = () => true): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    let pending: NodeJS.Timeout | undefined;
    const send = () => {
      pending = undefined;
      if (res.writableEnded) return;
      if (!alive()) return void res.end();
      res.write(`event: status\ndata: ${JSON.stringify(this.snapshot())}\n\n`);
    };
    const onChange = () => {
      pending ??= setTimeout(send, this.coalesceMs);
    };
    // A comment line keeps proxies and the browser from timing the stream out.
    const heartbeat = setInterval(() => (alive() ? res.write(': keep-alive\n\n') : res.end()), this.heartbeatMs);
    heartbeat.unref();
    const close = () => {
      clearInterval(heartbeat);
      if (pending) clearTimeout(pending);
      this.changes.off('change', onChange);
    };
    req.on('close', close);
    res.on('finish', close);
    res.on('error', close);
    this.changes.on('change', onChange);
    // The browser reconnects after a second if the gateway restarts.
    res.write('retry: 1000\n\n');
    send();
  }
}
