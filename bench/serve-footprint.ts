/**
 * What the local gateway costs while it idles in the tray: the real `dementia serve` started in its
 * own process, several times, timed from spawn to its "listening on" line, then its resident memory
 * (RSS) after it has sat idle for a moment (target: <= 100 MiB). Beside it, in the same run, the
 * floor no gateway can go under: a bare Node process that listens with node:http. Then, in a few
 * more launches, the first opening of the status page (the page and every script of it, which a
 * fresh gateway serves from TypeScript sources) and the RSS after it.
 *
 *   BENCH_LAUNCHES=7      launches of each (after one warm-up that also creates the data folder)
 *   BENCH_IDLE_MS=3000    how long each sits idle after listening before its RSS is read
 *   BENCH_PAGE_LAUNCHES=3 launches that open the status page once
 *   BENCH_DEMENTIA_BIN=.../bin/dementia.mjs   another checkout's command, to compare two commits
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { envInt, median, printTable, writeResults, type Figure } from './lib/report.ts';

const MIB = 1024 * 1024;
/** The `dementia` command as `npm link` installs it (the V8 flags it sets are part of the footprint). */
const DEMENTIA_BIN = process.env.BENCH_DEMENTIA_BIN ?? fileURLToPath(new URL('../bin/dementia.mjs', import.meta.url));
const BARE_SERVER = "require('node:http').createServer().listen(0, '127.0.0.1', function () { console.log('listening on ' + this.address().port); });";

interface Launch {
  listeningMs: number;
  idleRssMiB: number;
  /** With `openPage`: how long the first opening of the status page took, and the RSS after it. */
  page?: { openMs: number; rssAfterMiB: number };
}

/** The status page of the measured checkout: index.html and its scripts, served as .js. */
const RENDERER_DIR = fileURLToPath(new URL('../src/renderer/', pathToFileURL(DEMENTIA_BIN)));
const PAGE_FILES = [
  '/',
  ...readdirSync(RENDERER_DIR, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => `/${name.split('\\').join('/').replace(/\.ts$/, '.js')}`),
];

/** Fetches the page and all its scripts at once, as a browser's first visit does; returns the time taken. */
async function openPage(base: URL): Promise<number> {
  const started = performance.now();
  await Promise.all(
    PAGE_FILES.map(async (path) => {
      const response = await fetch(new URL(path, base));
      if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
      await response.arrayBuffer();
    }),
  );
  return performance.now() - started;
}

/** Resident memory of a live process: /proc on Linux, ps elsewhere (both report KiB). */
function rssOf(pid: number): number {
  const kib = existsSync(`/proc/${pid}/status`)
    ? /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    : execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim();
  return (Number(kib) * 1024) / MIB;
}

/**
 * Spawns `args`, waits for a stdout line containing "listening on", idles, reads RSS; with
 * `withPage`, then opens the status page, idles again and reads RSS once more; stops it.
 */
async function launch(args: string[], env: NodeJS.ProcessEnv, idleMs: number, withPage = false): Promise<Launch> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    let stdout = '';
    const listeningMs = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('listening on')) resolve(performance.now() - started);
      });
      child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code} before listening: ${stderr}`)));
    });
    await delay(idleMs);
    const idleRssMiB = rssOf(child.pid!);
    if (!withPage) return { listeningMs, idleRssMiB };
    const base = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
    if (!base) throw new Error(`no URL in: ${stdout}`);
    const openMs = await openPage(new URL(base));
    await delay(idleMs);
    return { listeningMs, idleRssMiB, page: { openMs, rssAfterMiB: rssOf(child.pid!) } };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

const spread = (values: number[]) => ({ median: median(values), min: Math.min(...values), max: Math.max(...values) });

export async function main(): Promise<Figure[]> {
  const launches = envInt('BENCH_LAUNCHES', 7);
  const idleMs = envInt('BENCH_IDLE_MS', 3000);
  const pageLaunches = envInt('BENCH_PAGE_LAUNCHES', 3);
  const dataDir = mkdtempSync(join(tmpdir(), 'dementia-footprint-'));
  // Local mode as a tray user runs it: no sync configured, nothing inherited from the shell.
  const env: NodeJS.ProcessEnv = { ...process.env, DEMENTIA_DATA_DIR: dataDir };
  for (const name of ['DEMENTIA_PG_URL', 'DEMENTIA_API_KEY', 'DEMENTIA_PORT']) delete env[name];
  const serveArgs = [DEMENTIA_BIN, 'serve', '--port', '0'];
  try {
    await launch(serveArgs, env, 0); // warm-up: creates the database, fills the OS file cache
    await launch(['-e', BARE_SERVER], env, 0);
    const bare: Launch[] = [];
    const serve: Launch[] = [];
    for (let i = 0; i < launches; i++) {
      bare.push(await launch(['-e', BARE_SERVER], env, idleMs));
      serve.push(await launch(serveArgs, env, idleMs));
    }
    const withPage: Launch[] = [];
    for (let i = 0; i < pageLaunches; i++) withPage.push(await launch(serveArgs, env, idleMs, true));
    const stats = {
      bareListeningMs: spread(bare.map((l) => l.listeningMs)),
      serveListeningMs: spread(serve.map((l) => l.listeningMs)),
      bareIdleRssMiB: spread(bare.map((l) => l.idleRssMiB)),
      serveIdleRssMiB: spread(serve.map((l) => l.idleRssMiB)),
      pageOpenMs: spread(withPage.map((l) => l.page!.openMs)),
      pageRssAfterMiB: spread(withPage.map((l) => l.page!.rssAfterMiB)),
    };
    for (const [name, s] of Object.entries(stats))
      console.log(`${name.padEnd(18)} median ${s.median.toFixed(1)}  min ${s.min.toFixed(1)}  max ${s.max.toFixed(1)}`);
    const figures: Figure[] = [
      { figure: 'bare node http server: spawn to listening', value: stats.bareListeningMs.median, unit: 'ms' },
      { figure: 'dementia serve: spawn to listening', value: stats.serveListeningMs.median, unit: 'ms' },
      { figure: 'bare node http server: idle RSS', value: stats.bareIdleRssMiB.median, unit: 'MiB' },
      { figure: 'dementia serve: idle RSS', value: stats.serveIdleRssMiB.median, unit: 'MiB', target: { op: '<=', value: 100 } },
      { figure: 'dementia serve: idle RSS above bare node', value: stats.serveIdleRssMiB.median - stats.bareIdleRssMiB.median, unit: 'MiB' },
      { figure: 'status page: first open after start (page and its scripts)', value: stats.pageOpenMs.median, unit: 'ms' },
      { figure: 'dementia serve: RSS after the status page', value: stats.pageRssAfterMiB.median, unit: 'MiB' },
    ];
    printTable(`dementia serve footprint, median of ${launches} launches (status page: ${pageLaunches}), RSS after ${idleMs} ms idle`, figures);
    console.log(`results: ${writeResults('serve-footprint', { launches, pageLaunches, idleMs, bare, serve, withPage, stats, figures })}`);
    return figures;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
