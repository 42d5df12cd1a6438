/**
 * lock_context in-process on a project that already holds BENCH_CONTEXTS (default 100k) contexts:
 * one call at a time through the real ToolDispatcher (one transaction each), 80% new labels and
 * 20% new versions of existing labels. Same-run baseline: the same rows through the storage path
 * alone (ContextStore.lock in its own transaction), on another copy of the same store: what the
 * tool layer adds is the difference.
 */
import { createCorpus, prng } from './lib/corpus.ts';
import { PROJECT } from './lib/fixture.ts';
import { envInt, medianRun, printTable, summarize, writeResults, type Figure, type Summary } from './lib/report.ts';
import { ensureTemplate, openCopy } from './lib/template.ts';

export interface LockRun {
  latency: Summary;
  perSecond: number;
  seconds: number;
}

async function runLocks(templateDir: string, contexts: number, locks: number, run: number, storeOnly = false): Promise<LockRun> {
  const stack = await openCopy(templateDir);
  try {
    const labels = stack.services.db
      .prepare('SELECT label FROM contexts WHERE project_name = ? AND is_latest = 1 ORDER BY seq')
      .pluck()
      .all(PROJECT) as string[];
    const corpus = createCorpus(1000 + run, { firstIndex: contexts });
    const random = prng(99 + run);
    const calls = Array.from({ length: locks }, () => {
      const next = corpus.next();
      const topic = random() < 0.2 ? labels[Math.floor(random() * labels.length)]! : next.topic;
      return { content: next.content, topic, priority: next.priority, tags: next.tags };
    });
    const { db, contexts: store } = stack.services;
    const actor = { clientId: crypto.randomUUID(), sessionId: crypto.randomUUID() };
    const lock = storeOnly
      ? async (c: (typeof calls)[number]) => void db.transaction(() => store.lock(PROJECT, c.topic, c.content, c.priority, c.tags, actor))()
      : async (c: (typeof calls)[number]) => void (await stack.call('lock_context', c));
    // Warm-up outside the measurement: statement caches and the pages of the indexes.
    for (let i = 0; i < 200; i++) await lock({ ...calls[i % calls.length]!, topic: `warmup/${run}-${i}` });
    const samples = new Array<number>(locks);
    const started = performance.now();
    for (let i = 0; i < locks; i++) {
      const t0 = performance.now();
      await lock(calls[i]!);
      samples[i] = performance.now() - t0;
    }
    const seconds = (performance.now() - started) / 1000;
    return { latency: summarize(samples), perSecond: locks / seconds, seconds };
  } finally {
    stack.close({ remove: true });
  }
}

export async function main(): Promise<Figure[]> {
  const contexts = envInt('BENCH_CONTEXTS', 100_000);
  const locks = envInt('BENCH_LOCKS', 5_000);
  const runs = envInt('BENCH_RUNS', 3);
  const { dir } = await ensureTemplate(contexts);
  console.log(`lock_context: ${contexts} contexts already in the project, ${locks} locks x ${runs} runs`);
  // Runs alternate between the tool and the storage path, so both see the same machine.
  const baselines: LockRun[] = [];
  const { results, median } = await medianRun(
    runs,
    async (run) => {
      baselines.push(await runLocks(dir, contexts, locks, run, true));
      return runLocks(dir, contexts, locks, run);
    },
    (r) => r.perSecond,
  );
  const line = (r: LockRun) =>
    `${r.perSecond.toFixed(0)}/s, p50 ${r.latency.p50.toFixed(3)} ms, p99 ${r.latency.p99.toFixed(3)} ms, max ${r.latency.max.toFixed(1)} ms`;
  for (const [i, r] of results.entries()) console.log(`  run ${i + 1}: lock_context ${line(r)}; storage path alone ${line(baselines[i]!)}`);
  const baseline = baselines.toSorted((a, b) => a.perSecond - b.perSecond)[(baselines.length - 1) >> 1]!;
  const figures: Figure[] = [
    { figure: 'baseline: ContextStore.lock alone, same rows', value: baseline.perSecond, unit: '/s' },
    { figure: 'baseline: ContextStore.lock alone p50', value: baseline.latency.p50, unit: 'ms' },
    { figure: `lock_context throughput (${contexts / 1000}k contexts)`, value: median.perSecond, unit: '/s', target: { op: '>=', value: 2000 } },
    { figure: 'lock_context p99', value: median.latency.p99, unit: 'ms', target: { op: '<=', value: 10 } },
    { figure: 'lock_context p50', value: median.latency.p50, unit: 'ms' },
    { figure: 'lock_context max', value: median.latency.max, unit: 'ms' },
  ];
  printTable(`lock_context, median of ${runs} runs by throughput`, figures);
  const path = writeResults('lock-context', { contexts, locks, runs: results, baselines, median, figures });
  console.log(`results: ${path}`);
  return figures;
}

if (import.meta.main) await main();
