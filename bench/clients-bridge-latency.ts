/**
 * The stdio bridge against direct HTTP, same gateway process, same SDK client, same run: what the
 * bridge adds per sequential call (target: <= 0.5 ms at p50). Rounds alternate the two paths.
 */
import { envInt, median, printTable, summarize, writeResults, type Figure, type Summary } from './lib/report.ts';
import { call, CLI, httpClient, serveGateway, stdioClient } from './clients-setup.ts';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';

async function sequential(client: Client, calls: number, tool: string, args: Record<string, unknown>): Promise<Summary> {
  const samples = new Array<number>(calls);
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await call(client, tool, args);
    samples[i] = performance.now() - started;
  }
  return summarize(samples);
}

export async function main(): Promise<Figure[]> {
  const calls = envInt('BENCH_HTTP_CALLS', 2_000);
  const runs = envInt('BENCH_RUNS', 3);
  const gateway = await serveGateway();
  try {
    const { token } = JSON.parse(await gateway.cli(['clients', 'add', 'Bench', '--project', 'bench', '--json'])) as { token: string };
    const cwd = process.cwd();
    const http = await httpClient(gateway.url, { Authorization: `Bearer ${token}`, 'X-Dementia-Instance': encodeURIComponent(cwd) });
    const bridge = await stdioClient(process.execPath, [CLI, 'connect', '--client', 'Bench'], gateway.env, cwd);
    await call(http, 'lock_context', { topic: 'bench/recall', content: 'A short context that recall_context reads back.' });
    const tools = [
      ['session_status', {}],
      ['recall_context', { topic: 'bench/recall' }],
    ] as const;
    for (const [tool, args] of tools) for (const client of [http, bridge]) await sequential(client, 300, tool, args); // warm-up
    console.log(`bridge vs HTTP: ${calls} sequential calls per path and tool, x ${runs} rounds`);
    const rounds: Record<string, { http: Summary; bridge: Summary }>[] = [];
    for (let round = 0; round < runs; round++) {
      const row: Record<string, { http: Summary; bridge: Summary }> = {};
      for (const [tool, args] of tools) {
        const direct = await sequential(http, calls, tool, args);
        const bridged = await sequential(bridge, calls, tool, args);
        row[tool] = { http: direct, bridge: bridged };
        console.log(
          `  round ${round + 1} ${tool.padEnd(15)} HTTP p50 ${direct.p50.toFixed(3)} ms, bridge p50 ${bridged.p50.toFixed(3)} ms (p99 ${direct.p99.toFixed(3)} / ${bridged.p99.toFixed(3)})`,
        );
      }
      rounds.push(row);
    }
    await http.close();
    await bridge.close();
    const med = (f: (r: (typeof rounds)[number]) => number) => median(rounds.map(f));
    const figures: Figure[] = [];
    for (const [tool] of tools) {
      figures.push(
        { figure: `${tool} direct HTTP p50`, value: med((r) => r[tool]!.http.p50), unit: 'ms' },
        { figure: `${tool} through bridge p50`, value: med((r) => r[tool]!.bridge.p50), unit: 'ms' },
        { figure: `${tool} bridge adds p50`, value: med((r) => r[tool]!.bridge.p50 - r[tool]!.http.p50), unit: 'ms', target: { op: '<=', value: 0.5 } },
        { figure: `${tool} bridge adds p99`, value: med((r) => r[tool]!.bridge.p99 - r[tool]!.http.p99), unit: 'ms' },
      );
    }
    printTable(`stdio bridge vs direct HTTP, median of ${runs} rounds`, figures);
    console.log(`results: ${writeResults('clients-bridge-latency', { calls, rounds, figures })}`);
    return figures;
  } finally {
    await gateway.stop();
  }
}

if (import.meta.main) await main();
