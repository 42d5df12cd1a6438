/**
 * Bridge cold start: from spawning `dementia connect` (as Claude Desktop does) to the first answered
 * tool call (target: <= 300 ms), with the bare costs in the same run: starting Node itself, and the
 * CLI printing its version (Node + TypeScript stripping of the CLI's entry modules).
 */
import { spawnSync } from 'node:child_process';
import { envInt, median, printTable, writeResults, type Figure } from './lib/report.ts';
import { call, CLI, serveGateway, stdioClient } from './clients-setup.ts';

function timeProcess(args: string[]): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited with ${result.status}`);
  return performance.now() - started;
}

export async function main(): Promise<Figure[]> {
  const launches = envInt('BENCH_LAUNCHES', 15);
  const gateway = await serveGateway();
  try {
    await gateway.cli(['clients', 'add', 'Claude Desktop', '--project', 'bench', '--json']);
    const node: number[] = [];
    const version: number[] = [];
    const firstCall: number[] = [];
    const initialize: number[] = [];
    timeProcess([CLI, '--version']); // the first run fills the OS file cache
    for (let i = 0; i < launches; i++) {
      node.push(timeProcess(['-e', '0']));
      version.push(timeProcess([CLI, '--version']));
      const started = performance.now();
      const client = await stdioClient(process.execPath, [CLI, 'connect', '--client', 'Claude Desktop'], gateway.env);
      initialize.push(performance.now() - started);
      await call(client, 'session_status', {});
      firstCall.push(performance.now() - started);
      await client.close();
    }
    const figures: Figure[] = [
      { figure: 'node -e 0 (bare process start)', value: median(node), unit: 'ms' },
      { figure: 'dementia --version (node + CLI entry)', value: median(version), unit: 'ms' },
      { figure: 'bridge spawn to initialize answered', value: median(initialize), unit: 'ms' },
      { figure: 'bridge spawn to first tool call answered', value: median(firstCall), unit: 'ms', target: { op: '<=', value: 300 } },
      { figure: 'bridge spawn to first tool call, worst', value: Math.max(...firstCall), unit: 'ms' },
    ];
    printTable(`bridge cold start, median of ${launches} launches`, figures);
    console.log(`results: ${writeResults('clients-cold-start', { launches, node, version, initialize, firstCall, figures })}`);
    return figures;
  } finally {
    await gateway.stop();
  }
}

if (import.meta.main) await main();
