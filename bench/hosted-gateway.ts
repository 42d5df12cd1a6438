/**
 * Hosted mode as operators run it: `dementia serve --hosted` in its own process on a Postgres with
 * default durability, next to the local gateway (`dementia serve`, its SQLite store) measured in the
 * same run. Figures: recall_context and lock_context p50/p99 one at a time and calls/s with 16 in
 * flight (16 signed-in clients), Postgres round trips per tool call, connections held with 20
 * active tenants, and how soon a write on one side is readable on the other (desktop <-> hosted).
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import pg from 'pg';
import { ManualClock } from '../src/gateway/clock.ts';
import { PgTenantMemory } from '../src/gateway/hosted/pg-memory/pg-memory.ts';
import { RemoteClientDirectory } from '../src/gateway/hosted/remote-clients.ts';
import { WorkSessionService } from '../src/gateway/sessions/work-session-service.ts';
import { ToolDispatcher } from '../src/gateway/tools/dispatcher.ts';
import { allTools } from '../src/gateway/tools/index.ts';
import { freePort } from '../test/helpers/postgres.ts';
import { addTenants, signedInToken, startHostedProcess } from '../test/gateway/hosted/hosted-processes.ts';
import { call, httpClient, serveGateway } from './clients-setup.ts';
import { envInt, median, printTable, summarize, writeResults, type Figure, type Summary } from './lib/report.ts';
import { benchPostgres } from './sync-fixture.ts';

const CONCURRENCY = 16;

interface Side {
  name: 'local' | 'hosted';
  /** One client per slot, each its own client (own instance, own work session). */
  clients: Client[];
}

async function sequential(client: Client, tool: string, args: (i: number) => Record<string, unknown>, calls: number): Promise<Summary> {
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await call(client, tool, args(i));
    samples.push(performance.now() - started);
  }
  return summarize(samples);
}

async function inFlight(clients: Client[], tool: string, args: (i: number) => Record<string, unknown>, calls: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      for (let i = next++; i < calls; i = next++) await call(client, tool, args(i));
    }),
  );
  return calls / ((performance.now() - started) / 1000);
}

/** Every client on project "bench", which holds the context recall_context reads. */
async function prepare(side: Side): Promise<void> {
  await call(side.clients[0]!, 'create_project', { name: 'bench' });
  for (const client of side.clients) await call(client, 'select_project_for_session', { project_name: 'bench' });
  await call(side.clients[0]!, 'lock_context', { topic: 'bench/recall', content: 'A short context that recall_context reads back.', tags: ['bench'] });
}

/** Statements sent to Postgres per tool call: the real hosted tool layer in-process on a counting pool. */
async function roundTrips(pgUrl: string, schema: string): Promise<Record<string, number>> {
  const pool = new pg.Pool({ connectionString: pgUrl, max: 2 });
  let queries = 0;
  pool.on('connect', (client) => {
    const original = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      queries++;
      return original(...args);
    };
  });
  try {
    const memory = new PgTenantMemory(pool, schema, new ManualClock(Date.now()));
    const dispatcher = new ToolDispatcher({ memoryOf: () => memory, workSessions: new WorkSessionService(120), tools: allTools });
    const client = await new RemoteClientDirectory(pool).signIn(schema, {
      clientKey: 'bench:round-trips',
      name: 'round trips',
      kind: 'other',
      asNewClient: false,
    });
    const caller = { client, instanceKey: '', tenant: schema };
    const perCall: Record<string, number> = {};
    const cases: [string, (i: number) => Record<string, unknown>][] = [
      ['recall_context', () => ({ project: 'bench', topic: 'bench/recall' })],
      ['lock_context', (i) => ({ project: 'bench', topic: `rt/${i}`, content: `round trip ${i}` })],
      ['search_contexts', () => ({ project: 'bench', query: 'recall context' })],
      ['session_status', () => ({ project: 'bench' })],
    ];
    for (const [tool, args] of cases) {
      await dispatcher.call(tool, args(-1), caller); // opens the session, so only steady-state calls count
      const before = queries;
      for (let i = 0; i < 20; i++) await dispatcher.call(tool, args(i), caller);
      // pool.connect's own statements are none; every query counted is one round trip.
      perCall[tool] = (queries - before) / 20;
    }
    return perCall;
  } finally {
    await pool.end();
  }
}

/**
 * The same-run floor under the hosted figures: Postgres itself, no gateway. One round trip
 * (`SELECT 1`), one durable write (BEGIN, advisory lock, INSERT, COMMIT) one at a time, and that
 * write from 16 connections at once, on one lock key (one tenant's writes serialize on its change
 * lock through the commit) and on 16 keys (16 tenants).
 */
async function postgresFloor(pgUrl: string, calls: number): Promise<{ roundTrip: number; write: number; oneKeyPerSecond: number; manyKeysPerSecond: number }> {
  const pool = new pg.Pool({ connectionString: pgUrl, max: CONCURRENCY });
  try {
    await pool.query('CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, body text NOT NULL)');
    const write = async (client: pg.PoolClient, key: number) => {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [key]);
      await client.query('INSERT INTO bench_floor (body) VALUES ($1)', ['a short context']);
      await client.query('COMMIT');
    };
    const one = await pool.connect();
    const trips: number[] = [];
    const writes: number[] = [];
    try {
      for (let i = 0; i < calls; i++) {
        let started = performance.now();
        await one.query('SELECT 1');
        trips.push(performance.now() - started);
        started = performance.now();
        await write(one, 1);
        writes.push(performance.now() - started);
      }
    } finally {
      one.release();
    }
    const perSecond = async (keyOf: (slot: number) => number) => {
      const clients = await Promise.all(Array.from({ length: CONCURRENCY }, () => pool.connect()));
      let next = 0;
      const started = performance.now();
      await Promise.all(
        clients.map(async (client, slot) => {
          for (let i = next++; i < calls * 2; i = next++) await write(client, keyOf(slot));
        }),
      );
      const rate = (calls * 2) / ((performance.now() - started) / 1000);
      for (const client of clients) client.release();
      return rate;
    };
    return {
      roundTrip: summarize(trips).p50,
      write: summarize(writes).p50,
      oneKeyPerSecond: await perSecond(() => 1),
      manyKeysPerSecond: await perSecond((slot) => slot + 1),
    };
  } finally {
    await pool.end();
  }
}

/** Polls `read` until it says the write is there; the time since `written`. */
async function visibleAfter(written: number, read: () => Promise<boolean>): Promise<number> {
  for (;;) {
    if (await read()) return performance.now() - written;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function main(): Promise<Figure[]> {
  const calls = envInt('BENCH_HTTP_CALLS', 1_000);
  const runs = envInt('BENCH_RUNS', 3);
  const changes = envInt('BENCH_CHANGES', 20);
  const server = await benchPostgres();
  const database = await server.createDatabase('bench_hosted');
  const pgUrl = server.url(database);
  const tenants = await addTenants(pgUrl, 20);
  const port = await freePort();
  const hosted = await startHostedProcess({ pgUrl, publicUrl: `http://127.0.0.1:${port}` }, port);
  // The baseline: the local gateway as a desktop runs it, on its SQLite store.
  const local = await serveGateway();
  // Tenant 0's desktop, syncing with its schema: the other side of the visibility figures. The
  // latency figures use tenant 1, so that no desktop's pushes and pulls share its change lock.
  const desktopGateway = await serveGateway({ DEMENTIA_PG_URL: pgUrl, DEMENTIA_API_KEY: tenants[0]!.apiKey });
  try {
    const mcp = new URL('/mcp', hosted.base);
    const tokens: string[] = [];
    for (let i = 0; i < CONCURRENCY; i += 4) {
      tokens.push(...(await Promise.all([0, 1, 2, 3].map((j) => signedInToken(hosted.base, tenants[1]!.apiKey, `bench ${i + j}`)))));
    }
    const hostedSide: Side = { name: 'hosted', clients: await Promise.all(tokens.map((token) => httpClient(mcp, { Authorization: `Bearer ${token}` }))) };
    const localTokens: string[] = [];
    for (let i = 0; i < CONCURRENCY; i++)
      localTokens.push((JSON.parse(await local.cli(['clients', 'add', `bench ${i}`, '--json'])) as { token: string }).token);
    const localSide: Side = {
      name: 'local',
      clients: await Promise.all(localTokens.map((token) => httpClient(local.url, { Authorization: `Bearer ${token}` }))),
    };
    await prepare(hostedSide);
    await prepare(localSide);

    console.log(`hosted vs local: ${calls} sequential calls and ${calls * 2} with ${CONCURRENCY} in flight per tool, x ${runs} rounds (${server.description})`);
    const recall = () => ({ topic: 'bench/recall' });
    let written = 0;
    const lock = () => ({ topic: `bench/lock-${written++}`, content: `lock ${written}` });
    for (const side of [localSide, hostedSide]) {
      await sequential(side.clients[0]!, 'recall_context', recall, 200);
      await inFlight(side.clients, 'recall_context', recall, 400);
    }
    type Row = Record<string, { recall: Summary; lock: Summary; recallPerSecond: number; lockPerSecond: number }>;
    const rounds: Row[] = [];
    const floors: Awaited<ReturnType<typeof postgresFloor>>[] = [];
    for (let round = 0; round < runs; round++) {
      const floor = await postgresFloor(pgUrl, calls);
      floors.push(floor);
      console.log(
        `  round ${round + 1} postgres round trip p50 ${floor.roundTrip.toFixed(2)} ms, durable write p50 ${floor.write.toFixed(2)} ms, ` +
          `${floor.oneKeyPerSecond.toFixed(0)} writes/s on one lock, ${floor.manyKeysPerSecond.toFixed(0)} on ${CONCURRENCY} locks`,
      );
      const row: Row = {};
      for (const side of [localSide, hostedSide]) {
        const figures = {
          recall: await sequential(side.clients[0]!, 'recall_context', recall, calls),
          lock: await sequential(side.clients[0]!, 'lock_context', lock, calls),
          recallPerSecond: await inFlight(side.clients, 'recall_context', recall, calls * 2),
          lockPerSecond: await inFlight(side.clients, 'lock_context', lock, calls * 2),
        };
        row[side.name] = figures;
        console.log(
          `  round ${round + 1} ${side.name.padEnd(6)} recall p50 ${figures.recall.p50.toFixed(2)} p99 ${figures.recall.p99.toFixed(2)} ms, ` +
            `lock p50 ${figures.lock.p50.toFixed(2)} p99 ${figures.lock.p99.toFixed(2)} ms, ` +
            `${figures.recallPerSecond.toFixed(0)} / ${figures.lockPerSecond.toFixed(0)} calls/s`,
        );
      }
      rounds.push(row);
    }

    // 16 in flight over 16 tenants: writes of different tenants do not wait for each other's commits.
    const spread: Side = { name: 'hosted', clients: [] };
    for (const tenant of tenants.slice(2, 2 + CONCURRENCY)) {
      const client = await httpClient(mcp, { Authorization: `Bearer ${await signedInToken(hosted.base, tenant.apiKey, 'spread')}` });
      await call(client, 'create_project', { name: 'bench' });
      await call(client, 'select_project_for_session', { project_name: 'bench' });
      await call(client, 'lock_context', { topic: 'bench/recall', content: 'A short context that recall_context reads back.' });
      spread.clients.push(client);
    }
    const spreadRecall: number[] = [];
    const spreadLock: number[] = [];
    for (let round = 0; round < runs; round++) {
      spreadRecall.push(await inFlight(spread.clients, 'recall_context', recall, calls * 2));
      spreadLock.push(await inFlight(spread.clients, 'lock_context', lock, calls * 2));
      console.log(`  round ${round + 1} hosted, ${CONCURRENCY} tenants: ${spreadRecall.at(-1)!.toFixed(0)} / ${spreadLock.at(-1)!.toFixed(0)} calls/s`);
    }

    // 20 tenants at once, one client each, while sampling the process's connections.
    const busy: Client[] = [];
    for (const tenant of tenants.filter((_, i) => i !== 1)) {
      // One at a time: sign-ins in flight from one address count against its rate limit.
      busy.push(await httpClient(mcp, { Authorization: `Bearer ${await signedInToken(hosted.base, tenant.apiKey, 'busy')}` }));
    }
    let sampling = true;
    let mostConnections = 0;
    const sampler = (async () => {
      const watch = new pg.Client({ connectionString: pgUrl });
      await watch.connect();
      while (sampling) {
        const result = await watch.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'dementia-companion hosted'`,
          [database],
        );
        mostConnections = Math.max(mostConnections, result.rows[0]!.n);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await watch.end();
    })();
    await Promise.all(
      [hostedSide.clients[0]!, ...busy].map(async (client, i) => {
        await call(client, 'create_project', { name: 'bench' });
        for (let n = 0; n < 50; n++) await call(client, 'lock_context', { project: 'bench', topic: `many/${i}-${n}`, content: `tenant ${i}` });
      }),
    );
    sampling = false;
    await sampler;

    // Visibility both ways: tenant 0's desktop (syncing) and a hosted client of tenant 0.
    const desktop = await httpClient(desktopGateway.url, {
      Authorization: `Bearer ${(JSON.parse(await desktopGateway.cli(['clients', 'add', 'desktop', '--json'])) as { token: string }).token}`,
    });
    const remote = busy[0]!;
    await call(desktop, 'create_project', { name: 'bench' }); // pulled by now, or merged by name on push
    const found = async (client: Client, topic: string) => !(await client.callTool({ name: 'recall_context', arguments: { project: 'bench', topic } })).isError;
    const toHosted: number[] = [];
    const toDesktop: number[] = [];
    for (let i = 0; i < changes; i++) {
      let started = performance.now();
      await call(desktop, 'lock_context', { project: 'bench', topic: `vis/d-${i}`, content: `from the desktop ${i}` });
      toHosted.push(await visibleAfter(started, () => found(remote, `vis/d-${i}`)));
      started = performance.now();
      await call(remote, 'lock_context', { project: 'bench', topic: `vis/h-${i}`, content: `from the hosted side ${i}` });
      toDesktop.push(await visibleAfter(started, () => found(desktop, `vis/h-${i}`)));
    }
    const trips = await roundTrips(pgUrl, tenants[1]!.schema);
    for (const client of [...hostedSide.clients, ...localSide.clients, ...busy, ...spread.clients, desktop]) await client.close();

    const med = (f: (r: Row) => number) => median(rounds.map(f));
    const figures: Figure[] = [
      { figure: 'local recall_context p50 (baseline)', value: med((r) => r.local!.recall.p50), unit: 'ms' },
      { figure: 'hosted recall_context p50', value: med((r) => r.hosted!.recall.p50), unit: 'ms' },
      {
        figure: 'hosted recall_context p50 over local',
        value: med((r) => r.hosted!.recall.p50 - r.local!.recall.p50),
        unit: 'ms',
        target: { op: '<=', value: 2 },
      },
      { figure: 'hosted recall_context p99', value: med((r) => r.hosted!.recall.p99), unit: 'ms' },
      { figure: 'local lock_context p50 (baseline)', value: med((r) => r.local!.lock.p50), unit: 'ms' },
      { figure: 'Postgres alone: round trip p50 (baseline)', value: median(floors.map((f) => f.roundTrip)), unit: 'ms' },
      { figure: 'Postgres alone: durable write p50 (baseline)', value: median(floors.map((f) => f.write)), unit: 'ms' },
      { figure: 'hosted lock_context p50', value: med((r) => r.hosted!.lock.p50), unit: 'ms' },
      { figure: 'hosted lock_context p50 over local', value: med((r) => r.hosted!.lock.p50 - r.local!.lock.p50), unit: 'ms', target: { op: '<=', value: 2 } },
      { figure: 'hosted lock_context p99', value: med((r) => r.hosted!.lock.p99), unit: 'ms' },
      { figure: `local recall_context calls/s, ${CONCURRENCY} in flight (baseline)`, value: med((r) => r.local!.recallPerSecond), unit: '/s' },
      {
        figure: `hosted recall_context calls/s, ${CONCURRENCY} in flight`,
        value: med((r) => r.hosted!.recallPerSecond),
        unit: '/s',
        target: { op: '>=', value: 500 },
      },
      { figure: `local lock_context calls/s, ${CONCURRENCY} in flight (baseline)`, value: med((r) => r.local!.lockPerSecond), unit: '/s' },
      {
        figure: `Postgres alone: durable writes/s, ${CONCURRENCY} in flight on one lock (baseline)`,
        value: median(floors.map((f) => f.oneKeyPerSecond)),
        unit: '/s',
      },
      {
        figure: `Postgres alone: durable writes/s, ${CONCURRENCY} in flight on ${CONCURRENCY} locks (baseline)`,
        value: median(floors.map((f) => f.manyKeysPerSecond)),
        unit: '/s',
      },
      {
        figure: `hosted lock_context calls/s, ${CONCURRENCY} in flight`,
        value: med((r) => r.hosted!.lockPerSecond),
        unit: '/s',
        target: { op: '>=', value: 500 },
      },
      {
        figure: `hosted / local lock_context calls/s, same clients`,
        value: med((r) => r.hosted!.lockPerSecond / r.local!.lockPerSecond),
        unit: 'x',
        target: { op: '>=', value: 0.8 },
      },
      {
        figure: `hosted recall_context calls/s, ${CONCURRENCY} in flight over ${CONCURRENCY} tenants`,
        value: median(spreadRecall),
        unit: '/s',
        target: { op: '>=', value: 500 },
      },
      {
        figure: `hosted lock_context calls/s, ${CONCURRENCY} in flight over ${CONCURRENCY} tenants`,
        value: median(spreadLock),
        unit: '/s',
        target: { op: '>=', value: 500 },
      },
      ...Object.entries(trips).map(([tool, n]): Figure => ({ figure: `Postgres round trips per ${tool}`, value: n, unit: '' })),
      { figure: 'Postgres connections held, 20 tenants busy (limit 10)', value: mostConnections, unit: '', target: { op: '<=', value: 10 } },
      { figure: 'desktop -> hosted visible p50', value: summarize(toHosted).p50, unit: 'ms' },
      { figure: 'desktop -> hosted visible p99', value: summarize(toHosted).p99, unit: 'ms', target: { op: '<=', value: 2000 } },
      { figure: 'hosted -> desktop visible p50', value: summarize(toDesktop).p50, unit: 'ms' },
      { figure: 'hosted -> desktop visible p99', value: summarize(toDesktop).p99, unit: 'ms', target: { op: '<=', value: 2000 } },
    ];
    printTable(`hosted gateway vs local gateway, median of ${runs} rounds`, figures);
    console.log(
      `results: ${writeResults('hosted-gateway', { calls, runs, rounds, floors, spreadRecall, spreadLock, roundTrips: trips, toHosted, toDesktop, figures })}`,
    );
    return figures;
  } finally {
    hosted.child.kill('SIGTERM');
    await hosted.exited;
    await local.stop();
    await desktopGateway.stop();
    await server.dispose();
  }
}

if (import.meta.main) await main();
