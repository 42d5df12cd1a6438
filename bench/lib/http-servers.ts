/**
 * The two servers of the HTTP benchmark, each run in its own process so the client does not share
 * its event loop: `echo` is a bare SDK server (same server SDK, transport and JSON responses as the
 * gateway, one tool), `gateway` is the real gateway. Prints one JSON line {url, token} when ready.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { Server, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { Gateway } from '../../src/gateway/gateway.ts';
import { silentLogger } from '../../src/gateway/logger.ts';
import { resolveSettings } from '../../src/gateway/settings.ts';

async function startEcho(): Promise<{ url: string; token: string }> {
  const transports = new Map<string, WebStandardStreamableHTTPServerTransport>();
  const handler = toNodeHandler({
    async fetch(request, options) {
      const sessionId = request.headers.get('mcp-session-id');
      if (sessionId) {
        const transport = transports.get(sessionId);
        if (!transport) return new Response('{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}', { status: 404 });
        return transport.handleRequest(request, options);
      }
      // No session id: an initialize, served by a new sessionful transport.
      const transport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: true,
        onsessioninitialized: (id) => void transports.set(id, transport),
        onsessionclosed: (id) => void transports.delete(id),
      });
      const server = new Server({ name: 'echo', version: '1.0.0' }, { capabilities: { tools: {} } });
      server.setRequestHandler('tools/list', () => ({
        tools: [{ name: 'echo', description: 'Echoes its text.', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }],
      }));
      server.setRequestHandler('tools/call', (req) => ({
        content: [{ type: 'text', text: String((req.params.arguments as { text?: unknown } | undefined)?.text ?? '') }],
      }));
      await server.connect(transport);
      return transport.handleRequest(request, options);
    },
  });
  const http = createServer((req, res) => void handler(req, res));
  http.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`, token: '' };
}

async function startGateway(): Promise<{ url: string; token: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dementia-bench-http-'));
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const settings = { ...resolveSettings({}, {}), port: 0, dataDir, idleMinutes: 120 };
  const gateway = await Gateway.start({ settings, logger: silentLogger, writeRuntimeFile: false });
  const { services } = gateway;
  services.projects.create('bench');
  const { token } = services.clients.add('bench', 'other', 'bench');
  return { url: gateway.mcpUrl, token };
}

const kind = process.argv[2];
if (kind !== 'echo' && kind !== 'gateway') throw new Error('usage: http-servers.ts echo|gateway');
const ready = kind === 'echo' ? await startEcho() : await startGateway();
process.stdout.write(`${JSON.stringify(ready)}\n`);
process.on('SIGTERM', () => process.exit(0));
