import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

export interface Summary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of latencies in milliseconds. */
export function summarize(samples: readonly number[]): Summary {
  const sorted = Float64Array.from(samples).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
  const sum = sorted.reduce((a, b) => a + b, 0);
  return { count: sorted.length, mean: sum / sorted.length, p50: at(50), p90: at(90), p99: at(99), max: at(100) };
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export const envInt = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback;
};

export interface Figure {
  figure: string;
  value: number;
  unit: string;
  /** `<=` or `>=` against target; absent for informational rows. */
  target?: { op: '<=' | '>='; value: number };
}

export const passes = (f: Figure): boolean | undefined =>
  f.target === undefined ? undefined : f.target.op === '<=' ? f.value <= f.target.value : f.value >= f.target.value;

const fmt = (value: number): string => (Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(3));

/** Prints figures as an aligned table with a PASS/MISS flag per target. */
export function printTable(title: string, figures: readonly Figure[]): void {
  const rows = figures.map((f) => {
    const ok = passes(f);
    return [
      f.figure,
      `${fmt(f.value)} ${f.unit}`,
      f.target ? `${f.target.op} ${fmt(f.target.value)} ${f.unit}` : '',
      ok === undefined ? '' : ok ? 'PASS' : 'MISS',
    ];
  });
  const header = ['figure', 'value', 'target', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 1 || i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

export function environment(): Record<string, unknown> {
  return {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
    at: new Date().toISOString(),
  };
}

/** Writes bench/results/<name>-<timestamp>.json and <name>-latest.json; returns the path. */
export function writeResults(name: string, data: Record<string, unknown>): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const body = JSON.stringify({ benchmark: name, environment: environment(), ...data }, null, 2);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const path = join(RESULTS_DIR, `${name}-${stamp}.json`);
  writeFileSync(path, body);
  writeFileSync(join(RESULTS_DIR, `${name}-latest.json`), body);
  return path;
}

/** Runs `fn` `runs` times and returns every result plus the index of the median run by `key`. */
export async function medianRun<T>(runs: number, fn: (run: number) => Promise<T> | T, key: (result: T) => number): Promise<{ results: T[]; median: T }> {
  const results: T[] = [];
  for (let run = 0; run < runs; run++) results.push(await fn(run));
  const order = results.map((r, i) => ({ i, k: key(r) })).sort((a, b) => a.k - b.k);
  return { results, median: results[order[(order.length - 1) >> 1]!.i]! };
}
