/**
 * Runs every benchmark, each in its own process (no shared heap or JIT state), then prints one
 * summary table and writes bench/results/summary-*.json. Figures only: nothing is asserted.
 *
 *   npm run bench                                    full sizes (100k contexts, 3 runs each)
 *   BENCH_CONTEXTS=20000 BENCH_RUNS=1 npm run bench  a quick pass
 *   BENCH_ONLY=search-contexts,gateway-http npm run bench   some of them
 * clients-vs-server-memory runs @modelcontextprotocol/server-memory, which takes minutes at 10k.
 *
 * Other knobs: BENCH_SEARCHES, BENCH_LOCKS, BENCH_IMPORT_CONTEXTS, BENCH_HTTP_CALLS, BENCH_CONCURRENCY, BENCH_ONLY=name,...
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { envInt, passes, printTable, RESULTS_DIR, writeResults, type Figure } from './lib/report.ts';
import { ensureTemplate } from './lib/template.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
// Files in bench/ run by default; each writes results/<name>-latest.json with its `figures`.
// Gateway core first, then clients (bridge, load, vs server-memory), then sync (its own embedded Postgres).
const BENCHMARKS = [
  'search-contexts',
  'lock-context',
  'near-duplicates',
  'import-contexts',
  'secret-detection',
  'gateway-http',
  'serve-footprint',
  'clients-bridge-latency',
  'clients-cold-start',
  'clients-load',
  'clients-soak',
  'clients-vs-server-memory',
  'sync-initial-push',
  'sync-visibility',
  'sync-tool-latency',
  'hosted-gateway',
];
/** Benchmarks that need the seeded 100k-context store. */
const NEEDS_TEMPLATE = new Set(['search-contexts', 'lock-context', 'near-duplicates', 'sync-initial-push']);

const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());
const selected = BENCHMARKS.filter((name) => !only || only.includes(name));
const loadBefore = loadavg()[0]!;

// Seed once up front (cached across runs) so no benchmark's timing includes it.
if (selected.some((name) => NEEDS_TEMPLATE.has(name))) await ensureTemplate(envInt('BENCH_CONTEXTS', 100_000));

const summary: (Figure & { benchmark: string })[] = [];
for (const name of selected) {
  console.log(`\n=== ${name} ===`);
  const run = spawnSync(process.execPath, [join(HERE, `${name}.ts`)], { stdio: 'inherit', env: process.env });
  if (run.status !== 0) {
    console.error(`${name} failed (exit ${run.status ?? run.signal})`);
    process.exitCode = 1;
    continue;
  }
  const latest = join(RESULTS_DIR, `${name}-latest.json`);
  if (!existsSync(latest)) continue;
  const result = JSON.parse(readFileSync(latest, 'utf8')) as { figures?: Figure[] };
  summary.push(...(result.figures ?? []).map((figure) => ({ ...figure, benchmark: name })));
}

const targeted = summary.filter((figure) => figure.target);
printTable(
  `Summary (load average ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after, on ${process.env.BENCH_CONTEXTS ?? '100000'} contexts)`,
  targeted,
);
const missed = targeted.filter((figure) => passes(figure) === false);
console.log(missed.length === 0 ? '\nEvery target met.' : `\n${missed.length} target(s) missed: ${missed.map((f) => f.figure).join('; ')}`);
console.log(`results: ${writeResults('summary', { figures: summary })}`);
