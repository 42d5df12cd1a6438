/**
 * Store and search N memories (default 10k) through this gateway and through the reference
 * `@modelcontextprotocol/server-memory` over stdio, with the same SDK v1 client, in the same run.
 * The gateway is measured twice: over HTTP (how Claude Code, Cursor and VS Code connect) and through
 * its stdio bridge (like for like with a stdio server). Printed, not asserted.
 *
 * Not the same work, read the figures with that in mind: lock_context writes a versioned row, an FTS
 * index entry and a work-session touch in one SQLite transaction; server-memory rewrites its JSONL
 * file per call. search_contexts ranks (limit 10); search_nodes substring-matches and returns every hit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { createCorpus } from './lib/corpus.ts';
import { envInt, printTable, summarize, writeResults, type Figure, type Summary } from './lib/report.ts';
import { call, CLI, httpClient, serveGateway, stdioClient } from './clients-setup.ts';

const SERVER_MEMORY = fileURLToPath(new URL('../node_modules/@modelcontextprotocol/server-memory/dist/index.js', import.meta.url));

interface Target {
  name: string;
  client: Client;
  store: (i: number, topic: string, content: string) => [string, Record<string, unknown>];
  search: (query: string) => [string, Record<string, unknown>];
}

interface Measured {
  storeSeconds: number;
  store: Summary;
  search: Summary;
}

async function measure(target: Target, memories: { topic: string; content: string }[], queries: string[]): Promise<Measured> {
  const storeSamples: number[] = [];
  const started = performance.now();
  for (const [i, memory] of memories.entries()) {
    const [tool, args] = target.store(i, memory.topic, memory.content);
    const t0 = performance.now();
    await call(target.client, tool, args);
    storeSamples.push(performance.now() - t0);
    if ((i + 1) % 2000 === 0) console.log(`  ${target.name}: ${i + 1} stored`);
  }
  const storeSeconds = (performance.now() - started) / 1000;
  const searchSamples: number[] = [];
  for (const query of queries) {
    const [tool, args] = target.search(query);
    const t0 = performance.now();
    await call(target.client, tool, args);
    searchSamples.push(performance.now() - t0);
  }
  return { storeSeconds, store: summarize(storeSamples), search: summarize(searchSamples) };
}

export async function main(): Promise<Figure[]> {
  const count = envInt('BENCH_MEMORIES', 10_000);
  const searches = envInt('BENCH_SEARCHES', 200);
  const corpus = createCorpus(7);
  const memories = Array.from({ length: count }, (_, i) => {
    const context = corpus.next();
    return { topic: `${context.topic}-${i}`, content: context.content };
  });
  // Words that match a few dozen memories: a realistic search, and no huge answers from either side.
  const candidates = [...corpus.documentFrequency].filter(([, df]) => df >= 5 && df <= 100).map(([word]) => word);
  const queries = Array.from({ length: searches }, (_, i) => candidates[(i * 7919) % candidates.length]!);

  const gateway = await serveGateway();
  const memoryDir = mkdtempSync(join(tmpdir(), 'server-memory-bench-'));
  try {
    const { token } = JSON.parse(await gateway.cli(['clients', 'add', 'Bench HTTP', '--project', 'bench-http', '--json'])) as { token: string };
    await gateway.cli(['clients', 'add', 'Bench bridge', '--project', 'bench-bridge', '--create-project', '--json']);
    const lock = (_i: number, topic: string, content: string): [string, Record<string, unknown>] => ['lock_context', { topic, content, priority: 'reference' }];
    const searchContexts = (query: string): [string, Record<string, unknown>] => ['search_contexts', { query, limit: 10 }];
    const targets: Target[] = [
      { name: 'gateway over HTTP', client: await httpClient(gateway.url, { Authorization: `Bearer ${token}` }), store: lock, search: searchContexts },
      {
        name: 'gateway via stdio bridge',
        client: await stdioClient(process.execPath, [CLI, 'connect', '--client', 'Bench bridge'], gateway.env),
        store: lock,
        search: searchContexts,
      },
      {
        name: 'server-memory (stdio)',
        client: await stdioClient(process.execPath, [SERVER_MEMORY], { MEMORY_FILE_PATH: join(memoryDir, 'memory.jsonl') }),
        store: (_i, topic, content) => ['create_entities', { entities: [{ name: topic, entityType: 'memory', observations: [content] }] }],
        search: (query) => ['search_nodes', { query }],
      },
    ];
    console.log(`store ${count} memories one call each, then ${searches} searches, per target`);
    const results: Record<string, Measured> = {};
    for (const target of targets) {
      results[target.name] = await measure(target, memories, queries);
      const r = results[target.name]!;
      console.log(`  ${target.name}: store ${r.storeSeconds.toFixed(1)} s (p50 ${r.store.p50.toFixed(3)} ms), search p50 ${r.search.p50.toFixed(3)} ms`);
      await target.client.close();
    }
    const ours = results['gateway over HTTP']!;
    const bridged = results['gateway via stdio bridge']!;
    const reference = results['server-memory (stdio)']!;
    const figures: Figure[] = [];
    for (const [name, r] of Object.entries(results)) {
      figures.push(
        { figure: `${name}: store ${count}, total`, value: r.storeSeconds, unit: 's' },
        { figure: `${name}: store p50`, value: r.store.p50, unit: 'ms' },
        { figure: `${name}: search p50`, value: r.search.p50, unit: 'ms' },
        { figure: `${name}: search p99`, value: r.search.p99, unit: 'ms' },
      );
    }
    figures.push(
      { figure: 'store total, server-memory / gateway HTTP', value: reference.storeSeconds / ours.storeSeconds, unit: 'x' },
      { figure: 'store total, server-memory / gateway bridge', value: reference.storeSeconds / bridged.storeSeconds, unit: 'x' },
      { figure: 'search p50, server-memory / gateway HTTP', value: reference.search.p50 / ours.search.p50, unit: 'x' },
      { figure: 'search p50, server-memory / gateway bridge', value: reference.search.p50 / bridged.search.p50, unit: 'x' },
    );
    printTable(`${count} memories: this gateway vs @modelcontextprotocol/server-memory, same SDK client, same run`, figures);
    console.log(`results: ${writeResults('clients-vs-server-memory', { count, searches, results, figures })}`);
    return figures;
  } finally {
    await gateway.stop();
    rmSync(memoryDir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
