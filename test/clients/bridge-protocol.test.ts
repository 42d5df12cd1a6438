// The bridge's HTTP handling against a scripted fake gateway: SSE answers, a forgotten session (404),
// 429 with Retry-After, refused credentials, batches and garbage on stdin.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { StdioBridge } from '../../src/gateway/bridge/stdio-bridge.ts';

type Handler = (req: IncomingMessage, body: { id?: unknown; method?: string } & Record<string, unknown>, res: ServerResponse) => void;

describe('stdio bridge protocol handling', () => {
  let server: Server;
  let url: string;
  let handler: Handler;
  const seen: { method?: string; session?: string; version?: string; instance?: string }[] = [];

  before(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        const body = raw ? JSON.parse(raw) : {};
        seen.push({
          method: body.method,
          session: req.headers['mcp-session-id'] as string | undefined,
          version: req.headers['mcp-protocol-version'] as string | undefined,
          instance: req.headers['x-dementia-instance'] as string | undefined,
        });
        handler(req, body, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** A bridge on in-memory stdio; returns a function that sends a line and waits for `count` answers. */
  function bridge(sleeps: number[] = []) {
    const input = new PassThrough();
    const output = new PassThrough();
    const answers: unknown[] = [];
    let waiting: (() => void) | undefined;
    output.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) answers.push(JSON.parse(line));
      waiting?.();
    });
    const instance = new StdioBridge({
      mcpUrl: () => url,
      headers: { authorization: 'Bearer t', 'X-Dementia-Instance': 'cwd' },
      retryForMs: 5_000,
      input,
      output,
      log: () => {},
      sleep: async (ms) => void sleeps.push(ms),
    });
    const done = instance.run();
    const send = async (message: unknown, count = 1) => {
      const start = answers.length;
      input.write(`${typeof message === 'string' ? message : JSON.stringify(message)}\n`);
      while (answers.length < start + count) await new Promise<void>((resolve) => (waiting = resolve));
      return answers.slice(start, start + count) as Record<string, unknown>[];
    };
    return { send, close: async () => (input.end(), await done) };
  }

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const initialize = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } },
  };
  const call = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'session_status', arguments: {} } });

  it('keeps the session id and negotiated version, reads SSE answers, and re-initializes a forgotten session unseen', async () => {
    let session = 's1';
    handler = (req, body, res) => {
      if (body.method === 'initialize')
        return json(
          res,
          200,
          { jsonrpc: '2.0', id: body.id, result: { protocolVersion: '2025-06-18', capabilities: {}, serverInfo: { name: 'f', version: '1' } } },
          { 'mcp-session-id': session },
        );
      if (body.method === 'notifications/initialized') return void res.writeHead(202).end();
      if (req.headers['mcp-session-id'] !== session) return json(res, 404, { jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: body.id, result: { content: [{ type: 'text', text: `on ${session}` }] } })}\n\n`);
    };
    const b = bridge();
    const [init] = await b.send(initialize);
    assert.equal((init!.result as { protocolVersion: string }).protocolVersion, '2025-06-18');
    const [first] = await b.send(call(2));
    assert.deepEqual(first, { jsonrpc: '2.0', id: 2, result: { content: [{ type: 'text', text: 'on s1' }] } });
    assert.deepEqual(seen.at(-1), { method: 'tools/call', session: 's1', version: '2025-06-18', instance: 'cwd' });

    session = 's2'; // the gateway forgot s1 and would not re-attach it
    const [second] = await b.send(call(3));
    assert.deepEqual(second, { jsonrpc: '2.0', id: 3, result: { content: [{ type: 'text', text: 'on s2' }] } }, 'the client never saw the re-initialize');
    assert.deepEqual(
      seen.slice(-4).map((s) => [s.method, s.session]),
      [
        ['tools/call', 's1'],
        ['initialize', undefined],
        ['notifications/initialized', 's2'],
        ['tools/call', 's2'],
      ],
    );
    await b.close();
  });

  it('waits out a 429 for its Retry-After, then delivers', async () => {
    let refusals = 2;
    handler = (_req, body, res) => {
      if (refusals-- > 0) return json(res, 429, { jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Too many' } }, { 'retry-after': '1' });
      json(res, 200, { jsonrpc: '2.0', id: body.id, result: { ok: true } });
    };
    const sleeps: number[] = [];
    const b = bridge(sleeps);
    assert.deepEqual(await b.send(call(9)), [{ jsonrpc: '2.0', id: 9, result: { ok: true } }]);
    assert.deepEqual(sleeps, [1000, 1000]);
    await b.close();
  });

  it('turns refused credentials into a readable tool result (tool calls) or a JSON-RPC error with the request id', async () => {
    handler = (_req, _body, res) =>
      json(res, 401, { jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Unauthorized: missing or invalid client token.' } });
    const b = bridge();
    const [tool] = await b.send(call(4));
    assert.equal(tool!.id, 4);
    const result = tool!.result as { isError: boolean; content: { text: string }[] };
    assert.equal(result.isError, true);
    // The gateway's own words (they name the fix); starting the app would not help, so no such advice.
    assert.equal(result.content[0]!.text, 'Unauthorized: missing or invalid client token.');
    const [other] = await b.send({ jsonrpc: '2.0', id: 5, method: 'tools/list' });
    assert.equal((other!.error as { code: number }).code, -32000);
    assert.equal(other!.id, 5);
    await b.close();
  });

  it('forwards batches and answers a line that is not JSON with a parse error', async () => {
    handler = (_req, body, res) =>
      json(
        res,
        200,
        (body as unknown as { id: number }[]).map((m) => ({ jsonrpc: '2.0', id: m.id, result: {} })),
      );
    const b = bridge();
    assert.deepEqual(
      (await b.send([call(6), call(7)], 2)).map((a) => a.id),
      [6, 7],
    );
    const [garbage] = await b.send('{oops');
    assert.equal((garbage!.error as { code: number }).code, -32700);
    await b.close();
  });
});
