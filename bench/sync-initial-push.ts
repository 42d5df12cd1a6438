/**
 * Initial push: a data folder holding BENCH_CONTEXTS (default 100k) contexts, seeded through the real
 * tools (so the outbox holds what real use would put there), pushed by the real sync worker to an
 * empty tenant schema on a local Postgres (embedded, default durability settings; BENCH_PG_URL to
 * use another server). Target: >= 50,000 rows/s.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../src/gateway/clock.ts';
import { silentLogger } from '../src/gateway/logger.ts';
import { createServices } from '../src/gateway/services.ts';
import { resolveSettings } from '../src/gateway/settings.ts';
import { DATABASE_FILE, openDatabase } from '../src/gateway/store/database.ts';
import { resolveSyncConfig } from '../src/gateway/sync/sync-config.ts';
import { SyncWorker } from '../src/gateway/sync/sync-worker.ts';
import { tempDir } from '../test/helpers/gateway-harness.ts';
import { envInt, medianRun, printTable, writeResults, type Figure } from './lib/report.ts';
import { ensureTemplate, openCopy } from './lib/template.ts';
import { benchPostgres } from './sync-fixture.ts';

interface PushRun {
  rows: number;
  seconds: number;
  perSecond: number;
  megabytes: number;
}

/** A second, empty machine on the same tenant pulls everything (informational: not a target). */
async function pullOnce(pgUrl: string, apiKey: string): Promise<{ rows: number; seconds: number }> {
  const dir = tempDir('dementia-bench-pull-');
  const services = createServices(openDatabase(join(dir, DATABASE_FILE), systemClock), systemClock, 120);
  try {
    const config = resolveSyncConfig({ ...resolveSettings({}, {}), dataDir: dir, pgUrl, apiKey })!;
    const worker = new SyncWorker({ services, config, clock: systemClock, logger: silentLogger });
    const started = performance.now();
    await worker.syncNow();
    const seconds = (performance.now() - started) / 1000;
    await worker.stop();
    return { rows: services.db.prepare('SELECT count(*) FROM contexts').pluck().get() as number, seconds };
  } finally {
    services.db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function pushOnce(templateDir: string, pgUrl: string, run: number): Promise<PushRun & { apiKey: string }> {
  const stack = await openCopy(templateDir);
  const { services } = stack;
  try {
    const rows = services.db.prepare("SELECT count(*) FROM sync_outbox WHERE entity = 'context'").pluck().get() as number;
    const bytes = services.db.prepare('SELECT sum(length(CAST(content AS BLOB))) FROM contexts').pluck().get() as number;
    const settings = { ...resolveSettings({}, {}), dataDir: stack.dir, pgUrl, apiKey: `bench-initial-push-${process.pid}-${run}-${Date.now()}` };
    const config = resolveSyncConfig(settings)!;
    let drainedAt = 0;
    const started = performance.now();
    const worker = new SyncWorker({
      services,
      config,
      clock: systemClock,
      logger: silentLogger,
      onChange: () => {
        if (drainedAt === 0 && services.outbox.pending() === 0) drainedAt = performance.now();
      },
    });
    await worker.syncNow();
    const status = worker.status();
    await worker.stop();
    if (status.state !== 'online' || status.pending !== 0) throw new Error(`push failed: ${status.state} ${status.lastError ?? ''}`);
    // The time until the outbox is empty: schema creation and every push transaction, not the pull after.
    const seconds = ((drainedAt || performance.now()) - started) / 1000;
    return { rows, seconds, perSecond: rows / seconds, megabytes: bytes / 1e6, apiKey: settings.apiKey };
  } finally {
    stack.close({ remove: true });
  }
}

export async function main(): Promise<Figure[]> {
  const contexts = envInt('BENCH_CONTEXTS', 100_000);
  const runs = envInt('BENCH_RUNS', 3);
  const { dir } = await ensureTemplate(contexts);
  const server = await benchPostgres();
  try {
    const database = await server.createDatabase('bench_push');
    console.log(`sync initial push: ${contexts} contexts to ${server.description}, ${runs} runs (a new tenant schema each)`);
    const { results, median } = await medianRun(
      runs,
      (run) => pushOnce(dir, server.url(database), run),
      (r) => r.perSecond,
    );
    for (const [i, r] of results.entries()) {
      console.log(`  run ${i + 1}: ${r.rows} rows (${r.megabytes.toFixed(0)} MB of text) in ${r.seconds.toFixed(2)} s = ${r.perSecond.toFixed(0)} rows/s`);
    }
    const pull = await pullOnce(server.url(database), median.apiKey);
    console.log(`  initial pull on a second machine: ${pull.rows} rows in ${pull.seconds.toFixed(2)} s (placed, indexed for search)`);
    const figures: Figure[] = [
      { figure: `initial push (${contexts / 1000}k contexts)`, value: median.perSecond, unit: 'rows/s', target: { op: '>=', value: 50_000 } },
      { figure: 'initial push duration', value: median.seconds, unit: 's' },
      { figure: 'initial pull on a second machine', value: pull.rows / pull.seconds, unit: 'rows/s' },
    ];
    printTable(`sync initial push, median of ${runs} runs`, figures);
    const path = writeResults('sync-initial-push', { contexts, runs: results, median, pull, figures, server: server.description });
    console.log(`results: ${path}`);
    return figures;
  } finally {
    await server.dispose();
  }
}

if (import.meta.main) await main();
