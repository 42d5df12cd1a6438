/**
 * The secret check, both sides and its cost (DESIGN 14):
 * - recall: of a labelled sample of fake credentials in their real formats (every kind, alone, in
 *   prose, in code), how many the check catches, by kind;
 * - false alarms: of ordinary memory (notes, design text, code, commit messages, hashes, UUIDs,
 *   base64 images, long identifiers), how many it flags;
 * - latency: a lock of the same corpus rows through the checked path (Memory.contexts.lock, what
 *   lock_context calls) beside the plain store path (ContextStore.lock), each in its own
 *   transaction, on two fresh stores, alternating runs in this same process; and one scan alone
 *   by text size (the contents are limited to 1 MB).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSecrets } from '../src/gateway/secret-scan/find-secrets.ts';
import { negativeSamples, positiveSamples } from '../test/fixtures/secrets/samples.ts';
import { createCorpus } from './lib/corpus.ts';
import { openStack, PROJECT } from './lib/fixture.ts';
import { envInt, medianRun, printTable, summarize, writeResults, type Figure, type Summary } from './lib/report.ts';

async function detection() {
  const byKind = new Map<string, { positives: number; caught: number; rightKind: number }>();
  const missed: string[] = [];
  for (const sample of positiveSamples()) {
    const found = await findSecrets(sample.text);
    const entry = byKind.get(sample.kind!) ?? { positives: 0, caught: 0, rightKind: 0 };
    entry.positives += 1;
    if (found.length > 0) entry.caught += 1;
    else missed.push(sample.label);
    if (found.some((f) => f.kind === sample.kind)) entry.rightKind += 1;
    byKind.set(sample.kind!, entry);
  }
  const negatives = negativeSamples();
  const flagged: string[] = [];
  for (const sample of negatives) if ((await findSecrets(sample.text)).length > 0) flagged.push(sample.label);
  return { byKind, missed, negatives: negatives.length, flagged };
}

interface LockRun {
  latency: Summary;
  perSecond: number;
}

/** `locks` corpus rows locked one transaction each, through the checked Memory or the plain store. */
async function runLocks(locks: number, run: number, checked: boolean): Promise<LockRun> {
  const stack = await openStack(mkdtempSync(join(tmpdir(), 'dementia-bench-secrets-')));
  try {
    const corpus = createCorpus(500 + run);
    const rows = Array.from({ length: locks }, () => corpus.next());
    const { db, contexts, memory } = stack.services;
    const actor = { clientId: crypto.randomUUID(), sessionId: crypto.randomUUID() };
    const lock = checked
      ? (c: (typeof rows)[number]) => memory.transaction(async (tx) => void (await tx.contexts.lock(PROJECT, c.topic, c.content, c.priority, c.tags, actor)))
      : async (c: (typeof rows)[number]) => void db.transaction(() => contexts.lock(PROJECT, c.topic, c.content, c.priority, c.tags, actor))();
    for (let i = 0; i < 200; i++) await lock({ ...rows[i % rows.length]!, topic: `warmup/${i}` });
    const samples = new Array<number>(locks);
    const started = performance.now();
    for (let i = 0; i < locks; i++) {
      const t0 = performance.now();
      await lock(rows[i]!);
      samples[i] = performance.now() - t0;
    }
    return { latency: summarize(samples), perSecond: locks / ((performance.now() - started) / 1000) };
  } finally {
    stack.close({ remove: true });
  }
}

async function scanBySize(): Promise<{ bytes: number; ms: number }[]> {
  const corpus = createCorpus(7);
  let text = '';
  while (text.length < 1024 * 1024) text += `${corpus.next().content}\n\n`;
  const sizes = [1024, 10 * 1024, 100 * 1024, 1024 * 1024];
  const results = [];
  for (const bytes of sizes) {
    const piece = text.slice(0, bytes);
    const rounds = Math.max(3, Math.min(200, Math.floor((2 * 1024 * 1024) / bytes)));
    await findSecrets(piece);
    const samples = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      await findSecrets(piece);
      samples.push(performance.now() - t0);
    }
    results.push({ bytes, ms: summarize(samples).p50 });
  }
  return results;
}

export async function main(): Promise<Figure[]> {
  const locks = envInt('BENCH_SECRET_LOCKS', 2_000);
  const runs = envInt('BENCH_RUNS', 3);
  const quality = await detection();
  const positives = [...quality.byKind.values()].reduce((sum, k) => sum + k.positives, 0);
  const caught = [...quality.byKind.values()].reduce((sum, k) => sum + k.caught, 0);
  console.log('recall by kind (caught / positives; reported as the right kind):');
  for (const [kind, k] of [...quality.byKind].sort()) console.log(`  ${kind.padEnd(22)} ${k.caught}/${k.positives}  (${k.rightKind} as ${kind})`);
  if (quality.missed.length > 0) console.log(`  missed: ${quality.missed.join('; ')}`);
  console.log(`false alarms: ${quality.flagged.length}/${quality.negatives}${quality.flagged.length > 0 ? ` (${quality.flagged.join('; ')})` : ''}`);

  const plain: LockRun[] = [];
  const { results, median } = await medianRun(
    runs,
    async (run) => {
      plain.push(await runLocks(locks, run, false));
      return runLocks(locks, run, true);
    },
    (r) => r.perSecond,
  );
  const line = (r: LockRun) => `${r.perSecond.toFixed(0)}/s, p50 ${r.latency.p50.toFixed(3)} ms, p99 ${r.latency.p99.toFixed(3)} ms`;
  for (const [i, r] of results.entries()) console.log(`  run ${i + 1}: checked ${line(r)}; plain store ${line(plain[i]!)}`);
  const baseline = plain.toSorted((a, b) => a.perSecond - b.perSecond)[(plain.length - 1) >> 1]!;
  const sizes = await scanBySize();
  for (const s of sizes) console.log(`  scan alone, ${s.bytes / 1024} KB: p50 ${s.ms.toFixed(2)} ms`);

  const figures: Figure[] = [
    { figure: 'recall: positives caught', value: (100 * caught) / positives, unit: `% of ${positives}`, target: { op: '>=', value: 95 } },
    {
      figure: 'false alarms: negatives flagged',
      value: (100 * quality.flagged.length) / quality.negatives,
      unit: `% of ${quality.negatives}`,
      target: { op: '<=', value: 5 },
    },
    { figure: 'baseline: ContextStore.lock p50 (no check)', value: baseline.latency.p50, unit: 'ms' },
    { figure: 'checked lock p50', value: median.latency.p50, unit: 'ms' },
    { figure: 'added by the check, p50', value: median.latency.p50 - baseline.latency.p50, unit: 'ms' },
    { figure: 'checked lock p99', value: median.latency.p99, unit: 'ms' },
    { figure: 'baseline: ContextStore.lock p99 (no check)', value: baseline.latency.p99, unit: 'ms' },
    ...sizes.map((s) => ({ figure: `scan alone, ${s.bytes / 1024} KB text, p50`, value: s.ms, unit: 'ms' })),
  ];
  printTable(`secret detection (median of ${runs} runs by throughput, ${locks} locks each)`, figures);
  const path = writeResults('secret-detection', {
    quality: { ...quality, byKind: Object.fromEntries(quality.byKind) },
    runs: results,
    plain,
    median,
    sizes,
    figures,
  });
  console.log(`results: ${path}`);
  return figures;
}

if (import.meta.main) await main();
