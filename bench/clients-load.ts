/**
 * The heavy version of the concurrency must-hold test: BENCH_LOAD_CLIENTS clients (default 32) x
 * BENCH_LOAD_CALLS calls (default 2000) on 4 projects against a gateway child process. Printed:
 * errors, cross-project rows, throughput, latency, the gateway's RSS before/after (after a GC).
 */
import { runConcurrentLoad } from '../test/clients/concurrent-load.ts';
import { envInt, printTable, writeResults, type Figure } from './lib/report.ts';

export async function main(): Promise<Figure[]> {
  const clients = envInt('BENCH_LOAD_CLIENTS', 32);
  const calls = envInt('BENCH_LOAD_CALLS', 2_000);
  const result = await runConcurrentLoad({ clients, callsPerClient: calls, projects: 4, warmupCalls: Math.min(calls, 500) });
  const figures: Figure[] = [
    { figure: 'calls', value: result.calls, unit: '' },
    { figure: 'errors', value: result.errors.length, unit: '', target: { op: '<=', value: 0 } },
    { figure: 'cross-project rows', value: result.crossProjectRows, unit: '', target: { op: '<=', value: 0 } },
    { figure: 'calls per second', value: result.calls / (result.elapsedMs / 1000), unit: '/s' },
    { figure: `p50 with ${clients} in flight`, value: result.p50Ms, unit: 'ms' },
    { figure: `p99 with ${clients} in flight`, value: result.p99Ms, unit: 'ms' },
    { figure: 'gateway RSS before (after warm-up, GC)', value: result.rssBefore / 1e6, unit: 'MB' },
    { figure: 'gateway RSS after (GC)', value: result.rssAfter / 1e6, unit: 'MB' },
    { figure: 'RSS after / before', value: result.rssAfter / result.rssBefore, unit: 'x', target: { op: '<=', value: 1.2 } },
    { figure: 'connections after (idle size)', value: result.connectionsAfter, unit: '', target: { op: '<=', value: result.connectionsIdle } },
  ];
  printTable(`${clients} clients x ${calls} calls on 4 projects`, figures);
  console.log(`results: ${writeResults('clients-load', { clients, callsPerClient: calls, ...result, errors: result.errors.slice(0, 20), figures })}`);
  return figures;
}

if (import.meta.main) await main();
