// Real processes for the must-hold tests: `dementia serve` to kill and restart, `dementia connect` launched
// by the real v1 SDK client over stdio, the way Claude Desktop launches it.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { spawnServe, type ServeProcess } from '../helpers/cli-process.ts';
import type { ToolResult } from '../helpers/gateway-harness.ts';

export const CLI = fileURLToPath(new URL('../../src/gateway/cli/main.ts', import.meta.url));

/** A port that was free a moment ago, so a gateway can be restarted on the same one. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function gatewayEnv(dataDir: string, port: number): Record<string, string> {
  return { DEMENTIA_DATA_DIR: dataDir, DEMENTIA_PORT: String(port), DEMENTIA_IDLE_MINUTES: '120' };
}

export async function startServe(env: Record<string, string>): Promise<ServeProcess> {
  return spawnServe([], env);
}

/** kill -9: no clean shutdown, no DELETE, no chance to say goodbye. */
export async function killHard(served: ServeProcess): Promise<void> {
  served.child.kill('SIGKILL');
  await served.exited;
}

export interface BridgeClient {
  client: Client;
  /** The bridge process (its command line is in /proc/PID/cmdline). */
  pid: number | null;
  call(name: string, args?: Record<string, unknown>): Promise<ToolResult>;
  stderr(): string;
  close(): Promise<void>;
}

/** The real SDK client launching `dementia connect ...` as a subprocess in `cwd`. */
export async function connectThroughBridge(args: string[], env: Record<string, string>, cwd: string): Promise<BridgeClient> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'connect', ...args],
    env: { ...(process.env as Record<string, string>), ...env },
    cwd,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'bridge-test', version: '1.0.0' });
  await client.connect(transport);
  return {
    client,
    pid: transport.pid,
    call: async (name, callArgs = {}) => (await client.callTool({ name, arguments: callArgs })) as ToolResult,
    stderr: () => stderr,
    close: () => client.close(),
  };
}

/** Runs `dementia ARGS` and returns stdout. */
export function cli(args: string[], env: Record<string, string>, cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

export const structured = (result: ToolResult) =>
  result.structuredContent as { project: string | null; workSession: { id: string; started?: boolean } | null; [key: string]: unknown };
