import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ManualClock, type Timers } from '../../src/gateway/clock.ts';
import { Gateway } from '../../src/gateway/gateway.ts';
import { silentLogger, type Logger } from '../../src/gateway/logger.ts';
import { resolveSettings } from '../../src/gateway/settings.ts';
import type { ClientKind } from '../../src/gateway/store/clients.ts';

export function tempDir(prefix = 'dementia-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TestGateway {
  gateway: Gateway;
  dataDir: string;
  clock: ManualClock;
  url: URL;
  /** Registers a client straight in the store and returns its token. */
  addClient(name: string, options?: { kind?: ClientKind; project?: string }): { id: string; token: string };
  /** Stops the gateway; the data folder stays for a restart unless `remove` is set. */
  stop(options?: { remove?: boolean }): Promise<void>;
}

/** A real gateway on a free port over a real SQLite file, with a clock the test moves. */
export async function startTestGateway(
  options: { dataDir?: string; clock?: ManualClock; idleMinutes?: number; logger?: Logger; timers?: Timers } = {},
): Promise<TestGateway> {
  const dataDir = options.dataDir ?? tempDir();
  const clock = options.clock ?? new ManualClock();
  const settings = { ...resolveSettings({}, {}), port: 0, dataDir, idleMinutes: options.idleMinutes ?? 120 };
  const gateway = await Gateway.start({ settings, clock, logger: options.logger ?? silentLogger, writeRuntimeFile: false, timers: options.timers });
  return {
    gateway,
    dataDir,
    clock,
    url: new URL(gateway.mcpUrl),
    addClient(name, { kind = 'other', project } = {}) {
      const services = gateway.services;
      if (project) services.projects.create(project);
      const { client, token } = services.clients.add(name, kind, project ?? null);
      return { id: client.id, token };
    },
    async stop({ remove = false } = {}) {
      await gateway.stop();
      if (remove) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ConnectedClient {
  client: Client;
  transport: StreamableHTTPClientTransport;
  /** Calls a tool and returns the result (tool errors included, protocol errors thrown). */
  call(name: string, args?: Record<string, unknown>): Promise<ToolResult>;
  close(): Promise<void>;
}

export interface ToolResult {
  isError?: boolean;
  content: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
}

/** Connects the real SDK client (v1, as most MCP clients ship it) over Streamable HTTP. */
export async function connectClient(
  url: URL,
  token: string,
  options: { headers?: Record<string, string>; sessionId?: string; sse?: boolean } = {},
): Promise<ConnectedClient> {
  const headers = { Authorization: `Bearer ${token}`, ...options.headers };
  // Listing text/event-stream first asks the gateway for SSE responses instead of JSON.
  const fetchWithAccept: typeof fetch = options.sse
    ? (input, init) => {
        const merged = new Headers(init?.headers);
        merged.set('accept', 'text/event-stream, application/json');
        return fetch(input, { ...init, headers: merged });
      }
    : fetch;
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers },
    fetch: fetchWithAccept,
    ...(options.sessionId ? { sessionId: options.sessionId } : {}),
  });
  const client = new Client({ name: 'dementia-test', version: '1.0.0' });
  await client.connect(transport);
  return {
    client,
    transport,
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as ToolResult,
    close: () => client.close(),
  };
}

export function textOf(result: ToolResult): string {
  return result.content.map((part) => part.text ?? '').join('\n');
}
