/**
 * Local tool latency with sync running vs sync off: two gateways in this process, one syncing to a
 * local Postgres (every call is pushed about 50 ms later, and a second machine's changes are pulled
 * meanwhile), one without sync. The same MCP client calls lock_context / search_contexts /
 * recall_context on each, in alternating blocks so load and warm-up hit both alike.
 * BENCH_CALLS (default 1500) calls per gateway. Target: p50 within 10%.
 */
import { rmSync } from 'node:fs';
import { Gateway } from '../src/gateway/gateway.ts';
import { silentLogger } from '../src/gateway/logger.ts';
import { resolveSettings } from '../src/gateway/settings.ts';
import { connectClient, tempDir, type ConnectedClient } from '../test/helpers/gateway-harness.ts';
import { envInt, printTable, summarize, writeResults, type Figure, type Summary } from './lib/report.ts';
import { benchPostgres } from './sync-fixture.ts';

interface Side {
  gateway: Gateway;
  client: ConnectedClient;
  dataDir: string;
  samples: number[];
}

async function side(sync: { pgUrl: string; apiKey: string } | undefined): Promise<Side> {
  const dataDir = tempDir('dementia-bench-latency-');
  const settings = { ...resolveSettings({}, {}), port: 0, dataDir, pgUrl: sync?.pgUrl, apiKey: sync?.apiKey };
  const gateway = await Gateway.start({ settings, logger: silentLogger, writeRuntimeFile: false });
  const { token } = gateway.services.clients.add('bench', 'other', 'bench');
  gateway.services.projects.create('bench');
  const client = await connectClient(new URL(gateway.mcpUrl), token);
  return { gateway, client, dataDir, samples: [] };
}

async function close(s: Side): Promise<void> {
  await s.client.close().catch(() => undefined);
  await s.gateway.stop();
  rmSync(s.dataDir, { recursive: true, force: true });
}

/** A realistic mix: mostly writes (each one goes to the outbox and is pushed), some reads. */
function callFor(i: number): { tool: string; args: Record<string, unknown> } {
  if (i % 4 === 3) return { tool: 'search_contexts', args: { query: `decision ${i % 50}` } };
  if (i % 4 === 2) return { tool: 'recall_context', args: { topic: `topic-${(i - 2) % 40}` } };
  return {
    tool: 'lock_context',
    args: { topic: `topic-${i % 40}`, content: `decision ${i % 50}: text of call ${i}, ${'detail '.repeat(20)}`, tags: ['bench'] },
  };
}

async function block(s: Side, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) {
    const { tool, args } = callFor(i);
    const started = performance.now();
    const result = await s.client.call(tool, args);
    s.samples.push(performance.now() - started);
    if (result.isError && tool !== 'recall_context') throw new Error(JSON.stringify(result.content).slice(0, 300));
  }
}

export async function main(): Promise<Figure[]> {
  const calls = envInt('BENCH_CALLS', 1_500);
  const server = await benchPostgres();
  const apiKey = `bench-latency-${process.pid}-${Date.now()}`;
  const database = await server.createDatabase('bench_latency');
  const pgUrl = server.url(database);
  const on = await side({ pgUrl, apiKey });
  const off = await side(undefined);
  // Another machine on the tenant writes too, so the syncing gateway also pulls while it serves.
  const other = await side({ pgUrl, apiKey });
  let otherWrites = 0;
  const writer = setInterval(() => {
    void other.client.call('lock_context', { topic: `elsewhere-${otherWrites % 20}`, content: `from the other machine ${otherWrites++}` });
  }, 200);
  try {
    console.log(`local tool latency: ${calls} calls each with sync running and with sync off (${server.description})`);
    await block(on, 0, 100);
    await block(off, 0, 100);
    on.samples.length = 0;
    off.samples.length = 0;
    const size = 50;
    for (let at = 0; at < calls; at += size) {
      const order = (at / size) % 2 === 0 ? [on, off] : [off, on];
      for (const s of order) await block(s, 100 + at, Math.min(size, calls - at));
    }
    await on.gateway.sync!.syncNow();
    const status = on.gateway.sync!.status();
    if (status.state !== 'online' || status.pending !== 0) throw new Error(`sync did not keep up: ${JSON.stringify(status)}`);
    const withSync: Summary = summarize(on.samples);
    const without: Summary = summarize(off.samples);
    const ratio = withSync.p50 / without.p50;
    console.log(`  sync running: p50 ${withSync.p50.toFixed(3)} ms, p90 ${withSync.p90.toFixed(3)} ms, p99 ${withSync.p99.toFixed(3)} ms`);
    console.log(`  sync off:     p50 ${without.p50.toFixed(3)} ms, p90 ${without.p90.toFixed(3)} ms, p99 ${without.p99.toFixed(3)} ms`);
    console.log(
      `  pulled from the other machine meanwhile: ${on.gateway.services.db.prepare("SELECT count(*) FROM contexts WHERE label LIKE 'elsewhere-%'").pluck().get() as number} versions`,
    );
    const figures: Figure[] = [
      { figure: 'p50 with sync / p50 without', value: (ratio - 1) * 100, unit: '% slower', target: { op: '<=', value: 10 } },
      { figure: 'tool p50, sync running', value: withSync.p50, unit: 'ms' },
      { figure: 'tool p50, sync off', value: without.p50, unit: 'ms' },
      { figure: 'tool p99, sync running', value: withSync.p99, unit: 'ms' },
      { figure: 'tool p99, sync off', value: without.p99, unit: 'ms' },
    ];
    printTable('local tool latency over MCP (lock, recall, search mix)', figures);
    const path = writeResults('sync-tool-latency', { calls, withSync, without, ratio, figures, server: server.description });
    console.log(`results: ${path}`);
    return figures;
  } finally {
    clearInterval(writer);
    await close(on);
    await close(off);
    await close(other);
    await server.dispose();
  }
}

if (import.meta.main) await main();
