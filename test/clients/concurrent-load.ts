// N clients x M calls at once on P projects through the real SDK client over real HTTP. Shared by
// the must-hold test (modest size) and bench/clients-load.ts (heavy size).
import { fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DATABASE_FILE } from '../../src/gateway/store/database.ts';
import { connectClient, tempDir, textOf, type ConnectedClient } from '../helpers/gateway-harness.ts';
import type { ChildRequest } from './gateway-child.ts';

type WithoutId<R> = R extends unknown ? Omit<R, 'id'> : never;
type Ask = <T>(request: WithoutId<ChildRequest>) => Promise<T>;

/** Starts test/clients/gateway-child.ts and returns its MCP URL and an RPC function. */
async function startGatewayChild(dataDir: string): Promise<{ url: URL; ask: Ask }> {
  const child = fork(new URL('./gateway-child.ts', import.meta.url), [dataDir], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`gateway child exited with ${code}`)));
    child.on('message', (message: { id: number; value?: unknown; error?: string }) => {
      if (message.id === 0) return resolve(message.value as string);
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) waiter?.reject(new Error(message.error));
      else waiter?.resolve(message.value);
    });
  });
  const ask: Ask = (request) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ ...request, id });
    });
  return { url: new URL(url), ask };
}

export interface LoadResult {
  calls: number;
  errors: string[];
  crossProjectRows: number;
  rssBefore: number;
  rssAfter: number;
  memoryBefore: NodeJS.MemoryUsage;
  memoryAfter: NodeJS.MemoryUsage;
  connectionsIdle: number;
  connectionsPeak: number;
  connectionsAfter: number;
  elapsedMs: number;
  p50Ms: number;
  p99Ms: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

/**
 * Each client works on its own project (projects are shared by clients i, i+P, ...), alternating
 * writes and reads that name the project in their content; afterwards every row is checked to sit
 * in the project its content names.
 */
export async function runConcurrentLoad(options: { clients: number; callsPerClient: number; projects: number; warmupCalls: number }): Promise<LoadResult> {
  const dataDir = tempDir();
  const { url, ask } = await startGatewayChild(dataDir);
  const memory = () => ask<NodeJS.MemoryUsage>({ op: 'settledRss' });
  const connections = async () => (await ask<{ connections: number }>({ op: 'stats' })).connections;
  try {
    const projects = Array.from({ length: options.projects }, (_, i) => `load-${i}`);
    const tokens: string[] = [];
    for (let i = 0; i < options.clients; i++) tokens.push(await ask<string>({ op: 'addClient', name: `Load ${i}` }));
    const connectionsIdle = await connections();
    const errors: string[] = [];
    const durations: number[] = [];

    const work = async (client: ConnectedClient, index: number, calls: number, label: string) => {
      const project = projects[index % projects.length]!;
      for (let call = 0; call < calls; call++) {
        const started = performance.now();
        const result =
          call % 2 === 0
            ? await client.call('lock_context', {
                topic: `${label}-c${index}-${call % 40}`,
                content: `owner=${project} client=${index} call=${call}`,
                tags: [project],
              })
            : call % 4 === 1
              ? await client.call('search_contexts', { query: `owner ${project}`, limit: 5 })
              : await client.call('recall_context', { topic: `${label}-c${index}-${(call - 1) % 40}`, preview_only: true });
        durations.push(performance.now() - started);
        const structured = result.structuredContent as { project?: string } | undefined;
        if (result.isError) errors.push(`client ${index} ${call}: ${textOf(result).slice(0, 200)}`);
        else if (structured?.project !== project) errors.push(`client ${index} ${call}: answered for project ${structured?.project}`);
      }
    };
    const connectAll = () => Promise.all(tokens.map((token) => connectClient(url, token)));
    const select = (clients: ConnectedClient[]) =>
      Promise.all(clients.map((client, i) => client.call('select_project_for_session', { project_name: projects[i % projects.length]! })));

    // Warm-up: the first connections and calls load code, fill SQLite's page cache (32 MB) and the
    // allocator's pools; memory is measured after it, so that growth after it means a leak.
    for (const project of projects) await ask({ op: 'createProject', name: project });
    const warm = await connectAll();
    await select(warm);
    await Promise.all(warm.map((client, i) => work(client, i, options.warmupCalls, 'load')));
    await Promise.all(warm.map(async (client) => (await client.transport.terminateSession(), await client.close())));
    const memoryBefore = await memory();
    durations.length = 0;

    const started = performance.now();
    const clients = await connectAll();
    const connectionsPeak = await connections();
    await Promise.all(clients.map((client, i) => work(client, i, options.callsPerClient, 'load')));
    const elapsedMs = performance.now() - started;

    // Half leave politely (DELETE), half just vanish and are reaped by their last request.
    await Promise.all(
      clients.map(async (client, i) => {
        if (i % 2 === 0) await client.transport.terminateSession();
        await client.close();
      }),
    );
    await ask({ op: 'advanceAndReap', minutes: 16 });
    const connectionsAfter = await connections();
    const memoryAfter = await memory();

    // Zero cross-project rows: every context and every activity row sits in the project its data names.
    const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
    const crossContexts = db.prepare("SELECT count(*) FROM contexts WHERE content NOT LIKE 'owner=' || project_name || ' %'").pluck().get() as number;
    const clientProjects = db
      .prepare(
        `SELECT count(*) FROM activity a JOIN clients c ON c.id = a.client_id
         WHERE c.name LIKE 'Load %' AND a.project_name IS NOT NULL
           AND a.project_name <> 'load-' || (CAST(substr(c.name, 6) AS INTEGER) % CAST(? AS INTEGER))`,
      )
      .pluck()
      .get(options.projects) as number;
    const crossSessions = db
      .prepare(
        `SELECT count(*) FROM work_sessions w JOIN clients c ON c.id = w.client_id
         WHERE c.name LIKE 'Load %' AND w.project_name <> 'load-' || (CAST(substr(c.name, 6) AS INTEGER) % CAST(? AS INTEGER))`,
      )
      .pluck()
      .get(options.projects) as number;
    db.close();
    const sorted = [...durations].sort((a, b) => a - b);
    return {
      calls: durations.length,
      errors,
      crossProjectRows: crossContexts + clientProjects + crossSessions,
      rssBefore: memoryBefore.rss,
      rssAfter: memoryAfter.rss,
      memoryBefore,
      memoryAfter,
      connectionsIdle,
      connectionsPeak,
      connectionsAfter,
      elapsedMs,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
    };
  } finally {
    await ask({ op: 'stop' }).catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }
}
