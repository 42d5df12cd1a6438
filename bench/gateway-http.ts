/**
 * The gateway over real HTTP with the SDK v1 client, against a bare SDK echo server measured in
 * the same run: added latency per call (sequential) and throughput with 16 calls in flight.
 * Each server runs in its own process; rounds alternate echo and gateway so drift hits both.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { httpClient } from './clients-setup.ts';
import { envInt, median, printTable, summarize, writeResults, type Figure, type Summary } from './lib/report.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

interface Target {
  name: string;
  tool: string;
  args: Record<string, unknown>;
  client: Client;
}

async function startServer(kind: 'echo' | 'gateway'): Promise<{ child: ChildProcess; url: string; token: string }> {
  const child = spawn(process.execPath, [join(HERE, 'lib', 'http-servers.ts'), kind], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
  const { url, token } = JSON.parse(line) as { url: string; token: string };
  return { child, url, token };
}

/** The SDK client over HTTP, with the token when the server wants one. */
const connect = (url: string, token: string): Promise<Client> => httpClient(new URL(url), token ? { Authorization: `Bearer ${token}` } : {});

async function callOnce(target: Target): Promise<void> {
  const result = await target.client.callTool({ name: target.tool, arguments: target.args });
  if (result.isError) throw new Error(`${target.name}: ${JSON.stringify(result.content).slice(0, 300)}`);
}

async function sequential(target: Target, calls: number): Promise<Summary> {
  const samples = new Array<number>(calls);
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await callOnce(target);
    samples[i] = performance.now() - started;
  }
  return summarize(samples);
}

async function inFlight(target: Target, calls: number, concurrency: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < calls) await callOnce(target);
    }),
  );
  return calls / ((performance.now() - started) / 1000);
}

export async function main(): Promise<Figure[]> {
  const calls = envInt('BENCH_HTTP_CALLS', 2_000);
  const runs = envInt('BENCH_RUNS', 3);
  const concurrency = envInt('BENCH_CONCURRENCY', 16);
  const echo = await startServer('echo');
  const gateway = await startServer('gateway');
  try {
    const echoClient = await connect(echo.url, echo.token);
    const gatewayClient = await connect(gateway.url, gateway.token);
    await gatewayClient.callTool({
      name: 'lock_context',
      arguments: { topic: 'bench/recall', content: 'A short context that recall_context reads back.', tags: ['bench'] },
    });
    const targets: Target[] = [
      { name: 'echo', tool: 'echo', args: { text: 'hello' }, client: echoClient },
      { name: 'session_status', tool: 'session_status', args: {}, client: gatewayClient },
      { name: 'recall_context', tool: 'recall_context', args: { topic: 'bench/recall' }, client: gatewayClient },
    ];
    console.log(`gateway over HTTP: ${calls} sequential calls and ${calls * 2} calls with ${concurrency} in flight, per target, x ${runs} rounds`);
    // Warm-up (JIT of client and servers, statement caches): both call patterns, every target.
    for (const target of targets) {
      await sequential(target, 1_000);
      await inFlight(target, 2_000, concurrency);
    }
    const rounds: Record<string, { seq: Summary; perSecond: number }>[] = [];
    for (let round = 0; round < runs; round++) {
      const row: Record<string, { seq: Summary; perSecond: number }> = {};
      for (const target of targets) {
        const seq = await sequential(target, calls);
        const perSecond = await inFlight(target, calls * 2, concurrency);
        row[target.name] = { seq, perSecond };
        console.log(
          `  round ${round + 1} ${target.name.padEnd(15)} p50 ${seq.p50.toFixed(3)} ms  p99 ${seq.p99.toFixed(3)} ms  ${perSecond.toFixed(0)} calls/s`,
        );
      }
      rounds.push(row);
    }
    await echoClient.close();
    await gatewayClient.close();

    // Each figure is the median over rounds of the same-round difference to the echo server.
    const med = (f: (r: (typeof rounds)[number]) => number) => median(rounds.map(f));
    const figures: Figure[] = [
      { figure: 'echo server p50 (baseline)', value: med((r) => r.echo!.seq.p50), unit: 'ms' },
      { figure: 'echo server p99 (baseline)', value: med((r) => r.echo!.seq.p99), unit: 'ms' },
      { figure: `echo server calls/s, ${concurrency} in flight`, value: med((r) => r.echo!.perSecond), unit: '/s' },
    ];
    for (const tool of ['session_status', 'recall_context']) {
      figures.push(
        { figure: `${tool} p50`, value: med((r) => r[tool]!.seq.p50), unit: 'ms' },
        { figure: `${tool} p99`, value: med((r) => r[tool]!.seq.p99), unit: 'ms' },
        { figure: `${tool} added p50`, value: med((r) => r[tool]!.seq.p50 - r.echo!.seq.p50), unit: 'ms', target: { op: '<=', value: 0.5 } },
        { figure: `${tool} added p99`, value: med((r) => r[tool]!.seq.p99 - r.echo!.seq.p99), unit: 'ms', target: { op: '<=', value: 5 } },
        { figure: `${tool} calls/s, ${concurrency} in flight`, value: med((r) => r[tool]!.perSecond), unit: '/s', target: { op: '>=', value: 1000 } },
      );
    }
    printTable(`gateway over HTTP vs bare SDK echo server, median of ${runs} rounds`, figures);
    const path = writeResults('gateway-http', { calls, concurrency, rounds, figures });
    console.log(`results: ${path}`);
    return figures;
  } finally {
    echo.child.kill('SIGTERM');
    gateway.child.kill('SIGTERM');
  }
}

if (import.meta.main) await main();
