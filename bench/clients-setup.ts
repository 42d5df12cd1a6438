/** Shared setup of the bench/clients-*.ts benchmarks: a real `dementia serve`, clients over HTTP and through the bridge. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export const CLI = fileURLToPath(new URL('../src/gateway/cli/main.ts', import.meta.url));

export interface ServedGateway {
  env: Record<string, string>;
  url: URL;
  dataDir: string;
  /** The `dementia serve` process, for measuring it from outside. */
  pid: number;
  cli(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function run(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`dementia ${args.join(' ')} exited with ${code}`))));
  });
}

/** `dementia serve` in its own process, on a fresh data folder (`extraEnv`: e.g. sync settings). */
export async function serveGateway(extraEnv: Record<string, string> = {}): Promise<ServedGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dementia-bench-clients-'));
  const port = await freePort();
  const env = { ...extraEnv, DEMENTIA_DATA_DIR: dataDir, DEMENTIA_PORT: String(port) };
  const child: ChildProcess = spawn(process.execPath, [CLI, 'serve'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('listening on') && resolve());
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  return {
    env,
    dataDir,
    pid: child.pid!,
    url: new URL(`http://127.0.0.1:${port}/mcp`),
    cli: (args) => run(args, env),
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The v1 SDK client over Streamable HTTP (the AbortSignal is dropped: undici keeps a listener per request on it). */
export async function httpClient(url: URL, headers: Record<string, string>): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers },
    fetch: (input, init) => {
      const { signal: _signal, ...rest } = init ?? {};
      return fetch(input, rest);
    },
  });
  const client = new Client({ name: 'dementia-bench', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** The v1 SDK client launching a stdio server (our bridge, or another MCP server). */
export async function stdioClient(command: string, args: string[], env: Record<string, string>, cwd?: string): Promise<Client> {
  const transport = new StdioClientTransport({ command, args, env: { ...(process.env as Record<string, string>), ...env }, cwd, stderr: 'inherit' });
  const client = new Client({ name: 'dementia-bench', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

export async function call(client: Client, name: string, args: Record<string, unknown>): Promise<void> {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content).slice(0, 300)}`);
}
