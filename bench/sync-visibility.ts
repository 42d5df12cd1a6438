/**
 * A change on machine A visible on machine B: two gateways (two data folders) on one tenant, both
 * online and idle; A's client locks a context over MCP and the clock runs until B's store has it.
 * Measured with LISTEN/NOTIFY (the default) and with polling only (what happens while LISTEN is
 * down), BENCH_CHANGES (default 40) changes each. Target: <= 2 s.
 */
import { rmSync } from 'node:fs';
import { Gateway } from '../src/gateway/gateway.ts';
import { silentLogger } from '../src/gateway/logger.ts';
import { resolveSettings } from '../src/gateway/settings.ts';
import type { SyncTuning } from '../src/gateway/sync/sync-worker.ts';
import { connectClient, tempDir, type ConnectedClient } from '../test/helpers/gateway-harness.ts';
import { envInt, printTable, summarize, writeResults, type Figure, type Summary } from './lib/report.ts';
import { benchPostgres } from './sync-fixture.ts';

interface Machine {
  gateway: Gateway;
  client: ConnectedClient;
  dataDir: string;
}

async function machine(pgUrl: string, apiKey: string, tuning: Partial<SyncTuning>): Promise<Machine> {
  const dataDir = tempDir('dementia-bench-vis-');
  const settings = { ...resolveSettings({}, {}), port: 0, dataDir, pgUrl, apiKey };
  const gateway = await Gateway.start({ settings, logger: silentLogger, writeRuntimeFile: false, syncTuning: tuning });
  const { token } = gateway.services.clients.add('bench', 'other', null);
  const client = await connectClient(new URL(gateway.mcpUrl), token);
  return { gateway, client, dataDir };
}

async function stopMachine(m: Machine): Promise<void> {
  await m.client.close().catch(() => undefined);
  await m.gateway.stop();
  rmSync(m.dataDir, { recursive: true, force: true });
}

/** Resolves when `check` holds, re-checking on every gateway change event and every 2 ms. */
function until(gateway: Gateway, check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      if (!check()) return;
      clearInterval(timer);
      gateway.events.off('change', done);
      resolve();
    };
    const timer = setInterval(done, 2);
    gateway.events.on('change', done);
    done();
  });
}

async function measure(pgUrl: string, mode: string, tuning: Partial<SyncTuning>, changes: number): Promise<Summary> {
  const apiKey = `bench-visibility-${mode}-${process.pid}-${Date.now()}`;
  const a = await machine(pgUrl, apiKey, tuning);
  const b = await machine(pgUrl, apiKey, tuning);
  try {
    await a.client.call('create_project', { name: 'bench' });
    await a.gateway.sync!.syncNow();
    await b.gateway.sync!.syncNow();
    await a.gateway.sync!.syncNow();
    const samples: number[] = [];
    for (let i = 0; i < changes; i++) {
      const topic = `visibility/${mode}-${i}`;
      const result = await a.client.call('lock_context', { project: 'bench', topic, content: `change ${i} made on A` });
      if (result.isError) throw new Error(JSON.stringify(result.content));
      const acknowledged = performance.now();
      await until(b.gateway, () => b.gateway.services.contexts.get('bench', topic) !== undefined);
      samples.push(performance.now() - acknowledged);
      // Changes a few hundred ms apart, like a model's tool calls, not a burst.
      await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 200));
    }
    return summarize(samples);
  } finally {
    await stopMachine(a);
    await stopMachine(b);
  }
}

export async function main(): Promise<Figure[]> {
  const changes = envInt('BENCH_CHANGES', 40);
  const server = await benchPostgres();
  try {
    const database = await server.createDatabase('bench_visibility');
    const url = server.url(database);
    console.log(`sync visibility: ${changes} changes on A, waiting for each on B, against ${server.description}`);
    const listen = await measure(url, 'listen', {}, changes);
    console.log(`  LISTEN/NOTIFY: p50 ${listen.p50.toFixed(0)} ms, p90 ${listen.p90.toFixed(0)} ms, max ${listen.max.toFixed(0)} ms`);
    const polling = await measure(url, 'poll', { listen: false }, changes);
    console.log(`  polling only (every 1 s): p50 ${polling.p50.toFixed(0)} ms, p90 ${polling.p90.toFixed(0)} ms, max ${polling.max.toFixed(0)} ms`);
    const figures: Figure[] = [
      { figure: 'A -> B visible, LISTEN/NOTIFY, max', value: listen.max, unit: 'ms', target: { op: '<=', value: 2000 } },
      { figure: 'A -> B visible, LISTEN/NOTIFY, p50', value: listen.p50, unit: 'ms' },
      { figure: 'A -> B visible, polling fallback, max', value: polling.max, unit: 'ms', target: { op: '<=', value: 2000 } },
      { figure: 'A -> B visible, polling fallback, p50', value: polling.p50, unit: 'ms' },
    ];
    printTable("sync visibility (change acknowledged on A until it is in B's store)", figures);
    const path = writeResults('sync-visibility', { changes, listen, polling, figures, server: server.description });
    console.log(`results: ${path}`);
    return figures;
  } finally {
    await server.dispose();
  }
}

if (import.meta.main) await main();
