import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Node request/response <-> web-standard Request/Response for the MCP SDK's handlers, lighter than
 * the SDK's `toNodeHandler`: the body was already read and parsed (handlers get it as
 * `parsedBody`), so the Request carries headers only; and an abort signal only when asked for,
 * because undici keeps a signalled Request reachable through a FinalizationRegistry until a full
 * GC, which made every call's garbage outlive the young generation.
 */
export function webRequestOf(req: IncomingMessage, signal?: AbortSignal): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    // Describes a body this Request does not carry.
    if (!/^(content-length|transfer-encoding)$/i.test(name)) headers.append(name, raw[i + 1]!);
  }
  return new Request(`http://127.0.0.1${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, ...(signal ? { signal } : {}) });
}

/** An AbortSignal that fires when the client goes away before the response has finished. */
export function abortOnClose(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

const isEventStream = (response: Response): boolean => (response.headers.get('content-type') ?? '').startsWith('text/event-stream');

/**
 * Writes a web Response to a Node response. A plain body goes out in one write with its length;
 * an event stream is forwarded as it comes, with backpressure, and cancelled when the client
 * leaves (the SDK then drops the stream and its keep-alive timer).
 */
export async function writeWebResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  if (response.body === null) {
    res.writeHead(response.status, headers);
    res.end();
    return;
  }
  if (!isEventStream(response)) {
    const body = Buffer.from(await response.arrayBuffer());
    headers['content-length'] = String(body.length);
    res.writeHead(response.status, headers);
    res.end(body);
    return;
  }
  res.writeHead(response.status, headers);
  res.flushHeaders();
  const reader = response.body.getReader();
  let gone = false;
  const leave = () => {
    gone = true;
    reader.cancel().catch(() => {});
  };
  res.once('close', leave);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || gone) break;
      if (!res.write(value)) {
        await new Promise<void>((resolve) => {
          const settle = () => {
            res.off('drain', settle);
            res.off('close', settle);
            resolve();
          };
          res.once('drain', settle);
          res.once('close', settle);
        });
      }
    }
  } catch {
    // The stream failed or was cancelled: end the response either way.
  } finally {
    res.off('close', leave);
    if (!res.writableEnded) res.end();
  }
}
