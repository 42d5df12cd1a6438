/**
 * search_contexts in-process over a project of BENCH_CONTEXTS (default 100k) contexts, through the
 * real ToolDispatcher, tool definitions and services over a SQLite file. Query kinds cover very
 * common words, rare words, several words, the AND-then-OR fallback and priority/tag filters.
 */
import { prng } from './lib/corpus.ts';
import { envInt, medianRun, printTable, summarize, writeResults, type Figure, type Summary } from './lib/report.ts';
import { ensureTemplate, openCopy, type CorpusStats } from './lib/template.ts';
import type { Stack } from './lib/fixture.ts';

export interface Query {
  kind: string;
  args: Record<string, unknown>;
}

/** Picks query words by their real document frequency in the seeded corpus. */
export function buildQueries(stats: CorpusStats, perKind = 8): Query[] {
  const functionWords = new Set(stats.functionWords);
  const byDf = Object.entries(stats.documentFrequency)
    .filter(([word]) => !functionWords.has(word) && word.length >= 3)
    .sort((a, b) => b[1] - a[1]);
  const n = stats.count;
  const band = (lo: number, hi: number) => byDf.filter(([, df]) => df >= lo && df <= hi).map(([w]) => w);
  const spread = (words: string[], count: number) =>
    Array.from({ length: Math.min(count, words.length) }, (_, i) => words[Math.floor((i * words.length) / Math.min(count, words.length))]!);
  const common = byDf.slice(0, perKind).map(([w]) => w); // each in a large share of all contexts
  const mid = spread(band(n * 0.005, n * 0.03), perKind);
  const rare = spread(band(2, Math.max(5, Math.floor(n * 0.0003))), perKind * 2);
  const tags = Object.entries(stats.tagFrequency)
    .sort((a, b) => b[1] - a[1])
    .map(([t]) => t);
  const topTag = tags[0]!;
  const midTags = spread(tags.slice(Math.floor(tags.length / 4), Math.floor(tags.length / 2)), perKind);
  const queries: Query[] = [];
  const add = (kind: string, args: Record<string, unknown>) => queries.push({ kind, args: { limit: 10, ...args } });
  for (let i = 0; i < perKind; i++) {
    const c = common[i % common.length]!;
    const c2 = common[(i + 1) % common.length]!;
    const m = mid[i % mid.length]!;
    const m2 = mid[(i + 3) % mid.length]!;
    const m3 = mid[(i + 5) % mid.length]!;
    const r = rare[i % rare.length]!;
    const r2 = rare[(i + perKind) % rare.length]!;
    add('common word', { query: c });
    add('mid word', { query: m });
    add('rare word', { query: r });
    add('two common words', { query: `${c} ${c2}` });
    add('common + rare', { query: `${c} ${r}` });
    add('three mid words', { query: `${m} ${m2} ${m3}` });
    add('sentence with stopwords', { query: `how do we handle the ${c} for ${m}` });
    add('rare OR fallback', { query: `${r} ${r2}` });
    add('common + priority', { query: c, priority: ['always_check'] });
    add('common + top tag', { query: c2, tags: [topTag] });
    add('mid + mid tag', { query: m, tags: [midTags[i % midTags.length]!] });
    add('common + priority + tag', { query: `${c}`, priority: ['important'], tags: [midTags[i % midTags.length]!] });
    add('no match', { query: `zzq${i}xv` });
  }
  return queries;
}

export interface SearchRun {
  all: Summary;
  byKind: Record<string, Summary & { avgResults: number }>;
}

export async function runSearch(stack: Stack, queries: Query[], iterations: number, seed = 7): Promise<SearchRun> {
  // Warm-up: every query once (statement caches, page cache).
  for (const query of queries) await stack.call('search_contexts', query.args);
  const random = prng(seed);
  const samples: number[] = [];
  const byKind = new Map<string, { samples: number[]; results: number }>();
  for (let i = 0; i < iterations; i++) {
    const query = queries[Math.floor(random() * queries.length)]!;
    const started = performance.now();
    const result = await stack.call('search_contexts', query.args);
    const elapsed = performance.now() - started;
    samples.push(elapsed);
    const entry = byKind.get(query.kind) ?? { samples: [], results: 0 };
    entry.samples.push(elapsed);
    entry.results += ((result.structuredContent as { results: unknown[] }).results ?? []).length;
    byKind.set(query.kind, entry);
  }
  return {
    all: summarize(samples),
    byKind: Object.fromEntries([...byKind.entries()].map(([kind, e]) => [kind, { ...summarize(e.samples), avgResults: e.results / e.samples.length }])),
  };
}

export async function main(): Promise<Figure[]> {
  const contexts = envInt('BENCH_CONTEXTS', 100_000);
  const iterations = envInt('BENCH_SEARCHES', 3_000);
  const runs = envInt('BENCH_RUNS', 3);
  const { dir, stats } = await ensureTemplate(contexts);
  const queries = buildQueries(stats);
  const stack = await openCopy(dir);
  console.log(`search_contexts: ${contexts} contexts, ${queries.length} queries, ${iterations} searches x ${runs} runs`);
  const { results, median } = await medianRun(
    runs,
    (run) => runSearch(stack, queries, iterations, 7 + run),
    (r) => r.all.p99,
  );
  stack.close({ remove: true });
  console.log(`\nper query kind (median run; ms)`);
  console.log(`${'kind'.padEnd(26)} ${'p50'.padStart(7)} ${'p99'.padStart(7)} ${'max'.padStart(7)}  results`);
  for (const [kind, s] of Object.entries(median.byKind)) {
    console.log(
      `${kind.padEnd(26)} ${s.p50.toFixed(3).padStart(7)} ${s.p99.toFixed(3).padStart(7)} ${s.max.toFixed(2).padStart(7)}  ${s.avgResults.toFixed(1)}`,
    );
  }
  const figures: Figure[] = [
    { figure: `search_contexts p50 (${contexts / 1000}k contexts)`, value: median.all.p50, unit: 'ms', target: { op: '<=', value: 2 } },
    { figure: `search_contexts p99 (${contexts / 1000}k contexts)`, value: median.all.p99, unit: 'ms', target: { op: '<=', value: 20 } },
    { figure: 'search_contexts mean', value: median.all.mean, unit: 'ms' },
    { figure: 'search_contexts max', value: median.all.max, unit: 'ms' },
  ];
  printTable(`search_contexts, median of ${runs} runs by p99 (all runs p99: ${results.map((r) => r.all.p99.toFixed(2)).join(', ')} ms)`, figures);
  const path = writeResults('search-contexts', { contexts, iterations, runs: results, median, figures, queries });
  console.log(`results: ${path}`);
  return figures;
}

if (import.meta.main) await main();
