/**
 * The near-duplicate check's cost per write, on a project that already holds BENCH_CONTEXTS
 * (default 100k) contexts. Same rows, same run, runs alternating on fresh copies of the store:
 * - baseline: the lock path without the check (ContextStore.lock with band indexing switched off,
 *   in its own transaction: the storage path as it was before the check);
 * - with the check: ContextStore.lock (which now writes the 12 band rows of the new latest version)
 *   plus the lookup of labels sharing a band and the exact Jaccard confirmation (what lock_context
 *   runs after a lock).
 * 80% new labels (of them, one in ten a near-copy of an existing context, so the confirmation runs),
 * 20% new versions. Also: the one-time fill of the bands of existing contexts (migration 5).
 */
import { createCorpus, prng } from './lib/corpus.ts';
import { PROJECT } from './lib/fixture.ts';
import { envInt, medianRun, printTable, summarize, writeResults, type Figure, type Summary } from './lib/report.ts';
import { ensureTemplate, openCopy } from './lib/template.ts';
import { fillBands } from '../src/gateway/store/migrations.ts';
import { confirmSimilar } from '../src/gateway/store/near-duplicates.ts';

interface Run {
  latency: Summary;
  perSecond: number;
  found: number;
}

async function runLocks(templateDir: string, contexts: number, locks: number, run: number, withCheck: boolean): Promise<Run> {
  const stack = await openCopy(templateDir);
  try {
    const { db, contexts: store } = stack.services;
    const latest = db.prepare('SELECT label, content FROM contexts WHERE project_name = ? AND is_latest = 1 ORDER BY seq').all(PROJECT) as {
      label: string;
      content: string;
    }[];
    const corpus = createCorpus(2000 + run, { firstIndex: contexts });
    const random = prng(77 + run);
    const calls = Array.from({ length: locks }, (_, i) => {
      const next = corpus.next();
      const roll = random();
      if (roll < 0.2) return { topic: latest[Math.floor(random() * latest.length)]!.label, content: next.content, priority: next.priority, tags: next.tags };
      if (roll < 0.28)
        return {
          topic: `copy/${run}-${i}`,
          content: `${latest[Math.floor(random() * latest.length)]!.content} Also noted.`,
          priority: next.priority,
          tags: next.tags,
        };
      return { topic: next.topic, content: next.content, priority: next.priority, tags: next.tags };
    });
    // The baseline switches off the band rows the store now writes with each latest version.
    if (!withCheck) (store as unknown as { indexBands: () => void }).indexBands = () => undefined;
    const actor = { clientId: crypto.randomUUID(), sessionId: crypto.randomUUID() };
    let found = 0;
    const lock = (c: (typeof calls)[number]) =>
      db.transaction(() => {
        const result = store.lock(PROJECT, c.topic, c.content, c.priority, c.tags, actor);
        if (withCheck && result.created) found += confirmSimilar(c.content, store.sharingBand(PROJECT, c.topic, c.content)).length > 0 ? 1 : 0;
      })();
    for (let i = 0; i < 200; i++) lock({ ...calls[i % calls.length]!, topic: `warmup/${run}-${i}` });
    found = 0;
    const samples = new Array<number>(locks);
    const started = performance.now();
    for (let i = 0; i < locks; i++) {
      const t0 = performance.now();
      lock(calls[i]!);
      samples[i] = performance.now() - t0;
    }
    const seconds = (performance.now() - started) / 1000;
    return { latency: summarize(samples), perSecond: locks / seconds, found };
  } finally {
    stack.close({ remove: true });
  }
}

/** Seconds to compute and store the bands of every latest version (what migration 5 does once). */
async function fillSeconds(templateDir: string): Promise<number> {
  const stack = await openCopy(templateDir);
  try {
    const { db } = stack.services;
    db.exec('DELETE FROM context_bands');
    const started = performance.now();
    db.transaction(() => fillBands(db))();
    return (performance.now() - started) / 1000;
  } finally {
    stack.close({ remove: true });
  }
}

export async function main(): Promise<Figure[]> {
  const contexts = envInt('BENCH_CONTEXTS', 100_000);
  const locks = envInt('BENCH_LOCKS', 3_000);
  const runs = envInt('BENCH_RUNS', 3);
  const { dir } = await ensureTemplate(contexts);
  console.log(`near-duplicates: ${contexts} contexts in the project, ${locks} locks x ${runs} runs, with and without the check`);
  const baselines: Run[] = [];
  const { results, median } = await medianRun(
    runs,
    async (run) => {
      baselines.push(await runLocks(dir, contexts, locks, run, false));
      return runLocks(dir, contexts, locks, run, true);
    },
    (r) => r.perSecond,
  );
  const line = (r: Run) => `${r.perSecond.toFixed(0)}/s, p50 ${r.latency.p50.toFixed(3)} ms, p99 ${r.latency.p99.toFixed(3)} ms`;
  for (const [i, r] of results.entries())
    console.log(`  run ${i + 1}: with the check ${line(r)} (${r.found} near-duplicates found); without ${line(baselines[i]!)}`);
  const baseline = baselines.toSorted((a, b) => a.perSecond - b.perSecond)[(baselines.length - 1) >> 1]!;
  const fill = await fillSeconds(dir);
  const figures: Figure[] = [
    { figure: 'baseline: lock path without the check', value: baseline.perSecond, unit: '/s' },
    { figure: 'baseline: lock path without the check p50', value: baseline.latency.p50, unit: 'ms' },
    { figure: `lock path with the check (${contexts / 1000}k contexts)`, value: median.perSecond, unit: '/s' },
    { figure: 'lock path with the check p50', value: median.latency.p50, unit: 'ms' },
    { figure: 'lock path with the check p99', value: median.latency.p99, unit: 'ms' },
    { figure: 'added per write (p50 difference)', value: median.latency.p50 - baseline.latency.p50, unit: 'ms', target: { op: '<=', value: 0.5 } },
    { figure: `one-time band fill of ${contexts / 1000}k contexts (migration 5)`, value: fill, unit: 's' },
  ];
  printTable(`near-duplicate check, median of ${runs} runs by throughput`, figures);
  const path = writeResults('near-duplicates', { contexts, locks, runs: results, baselines, median, fill, figures });
  console.log(`results: ${path}`);
  return figures;
}

if (import.meta.main) await main();
