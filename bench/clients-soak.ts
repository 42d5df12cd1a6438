/**
 * Runs for weeks: memory of a real `dementia serve` while BENCH_SOAK_CLIENTS clients (default 16)
 * make BENCH_SOAK_CALLS calls (default 30,000) and reconnect every BENCH_SOAK_RECONNECT_EVERY calls
 * (default 25), walking away from their old session without a DELETE, as HTTP clients do. The
 * baseline, in the same run, is a second `dementia serve` under the same calls from clients that
 * never reconnect; rounds of 2,400 calls alternate between the two. RSS is read from outside
 * (/proc) after every round. Targets: after warm-up the curve levels off (under 1 MiB per round
 * over the last half) and stays under 200 MiB.
 */
import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { call, serveGateway, type ServedGateway } from './clients-setup.ts';
import { envInt, printTable, writeResults, type Figure } from './lib/report.ts';

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The resident set of a process, from outside (Linux /proc; `ps` elsewhere). */
async function rssOf(pid: number): Promise<number> {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    if (kb) return Number(kb) * 1024;
  } catch {
    // not Linux
  }
  const { execFileSync } = await import('node:child_process');
  return (
    Number(
      execFileSync('ps', ['-o', 'rss=', '-p', String(pid)])
        .toString()
        .trim(),
    ) * 1024
  );
}

/** Live MCP sessions the gateway holds, summed over clients, as `dementia status --json` reports them. */
async function liveSessions(gateway: ServedGateway): Promise<number> {
  const status = JSON.parse(await gateway.cli(['status', '--json'])) as { clients: { connections: number }[] };
  return status.clients.reduce((sum, client) => sum + client.connections, 0);
}

interface SoakClient {
  index: number;
  token: string;
  client: Client;
  calls: number;
  reconnects: number;
  refusedInitializes: number;
}

/**
 * The v1 SDK client as HTTP clients use it: its event stream (GET) ends when it closes, as in a real
 * client; POSTs go without their abort signal (undici keeps a listener per request on it, which
 * would make this process, not the gateway, grow).
 */
async function sdkClient(url: URL, token: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
    fetch: (input, init) => {
      if (init?.method !== 'POST') return fetch(input, init);
      const { signal: _signal, ...rest } = init;
      return fetch(input, rest);
    },
  });
  const client = new Client({ name: 'dementia-soak', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** A new session; a 429 on initialize (the gateway's reconnect limit) is waited out, as the bridge does. */
async function connect(gateway: ServedGateway, token: string, soak?: SoakClient): Promise<Client> {
  for (;;) {
    try {
      return await sdkClient(gateway.url, token);
    } catch (error) {
      if (!/429/.test(String(error))) throw error;
      if (soak) soak.refusedInitializes++;
      await sleep(1_000);
    }
  }
}

async function work(gateway: ServedGateway, soak: SoakClient, calls: number, reconnectEvery: number): Promise<void> {
  for (let i = 0; i < calls; i++) {
    const k = soak.calls++;
    if (reconnectEvery > 0 && k > 0 && k % reconnectEvery === 0) {
      // Walk away: no DELETE, the old session stays until the gateway lets it go.
      void soak.client.close();
      soak.client = await connect(gateway, soak.token, soak);
      soak.reconnects++;
    }
    const topic = `soak/c${soak.index}-${k % 20}`;
    switch (k % 4) {
      case 0:
        await call(soak.client, 'lock_context', { topic, content: `Client ${soak.index} call ${k}: a decision worth keeping.`, tags: ['soak'] });
        break;
      case 1:
        await call(soak.client, 'recall_context', { topic: `soak/c${soak.index}-${(k - 1) % 20}` });
        break;
      case 2:
        await call(soak.client, 'search_contexts', { query: `client ${soak.index} decision`, limit: 5 });
        break;
      default:
        await call(soak.client, 'session_status', {});
    }
  }
}

interface Target {
  name: string;
  gateway: ServedGateway;
  clients: SoakClient[];
  reconnectEvery: number;
  rounds: { calls: number; rssMiB: number; liveSessions: number; seconds: number }[];
}

async function setUp(name: string, clients: number, reconnectEvery: number): Promise<Target> {
  const gateway = await serveGateway();
  const soakClients: SoakClient[] = [];
  for (let index = 0; index < clients; index++) {
    const { token } = JSON.parse(await gateway.cli(['clients', 'add', `Soak ${index}`, '--project', `soak-${index % 4}`, '--create-project', '--json'])) as {
      token: string;
    };
    soakClients.push({ index, token, client: await connect(gateway, token), calls: 0, reconnects: 0, refusedInitializes: 0 });
  }
  return { name, gateway, clients: soakClients, reconnectEvery, rounds: [] };
}

async function round(target: Target, callsPerClient: number): Promise<void> {
  const started = performance.now();
  await Promise.all(target.clients.map((soak) => work(target.gateway, soak, callsPerClient, target.reconnectEvery)));
  const seconds = (performance.now() - started) / 1000;
  await sleep(200);
  const rssMiB = (await rssOf(target.gateway.pid)) / MiB;
  const calls = target.clients.reduce((sum, soak) => sum + soak.calls, 0);
  target.rounds.push({ calls, rssMiB, liveSessions: await liveSessions(target.gateway), seconds });
}

/** Least-squares slope of RSS per round. */
function slope(values: number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  const meanX = (n - 1) / 2;
  const meanY = values.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  values.forEach((y, x) => {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  });
  return num / den;
}

export async function main(): Promise<Figure[]> {
  const clientCount = envInt('BENCH_SOAK_CLIENTS', 16);
  const totalCalls = envInt('BENCH_SOAK_CALLS', 30_000);
  const reconnectEvery = envInt('BENCH_SOAK_RECONNECT_EVERY', 25);
  const perRound = 2_400;
  const callsPerClient = Math.ceil(perRound / clientCount);
  const rounds = Math.ceil(totalCalls / (callsPerClient * clientCount));
  console.log(
    `soak: ${clientCount} clients, ${rounds} rounds of ${callsPerClient * clientCount} calls; reconnecting every ${reconnectEvery} calls vs never (baseline)`,
  );
  const reconnecting = await setUp('reconnecting', clientCount, reconnectEvery);
  const steady = await setUp('steady', clientCount, 0);
  try {
    console.log(
      `  start: reconnecting ${((await rssOf(reconnecting.gateway.pid)) / MiB).toFixed(1)} MiB, steady ${((await rssOf(steady.gateway.pid)) / MiB).toFixed(1)} MiB`,
    );
    for (let r = 0; r < rounds; r++) {
      for (const target of [reconnecting, steady]) await round(target, callsPerClient);
      const [a, b] = [reconnecting.rounds[r]!, steady.rounds[r]!];
      console.log(
        `  round ${String(r + 1).padStart(2)} ${String(a.calls).padStart(6)} calls  reconnecting ${a.rssMiB.toFixed(1).padStart(6)} MiB ` +
          `(${String(a.liveSessions).padStart(4)} live sessions, ${a.seconds.toFixed(1)} s)  steady ${b.rssMiB.toFixed(1).padStart(6)} MiB (${b.liveSessions} live, ${b.seconds.toFixed(1)} s)`,
      );
    }
  } finally {
    for (const target of [reconnecting, steady]) {
      await Promise.all(target.clients.map((soak) => soak.client.close().catch(() => {})));
      await target.gateway.stop();
    }
  }
  const lastHalf = (target: Target) => target.rounds.slice(Math.floor(target.rounds.length / 2)).map((r) => r.rssMiB);
  const peak = (target: Target) => Math.max(...target.rounds.map((r) => r.rssMiB));
  const sessions = reconnecting.clients.reduce((sum, soak) => sum + soak.reconnects, clientCount);
  const refused = reconnecting.clients.reduce((sum, soak) => sum + soak.refusedInitializes, 0);
  const figures: Figure[] = [
    { figure: 'calls per target', value: reconnecting.rounds.at(-1)!.calls, unit: '' },
    { figure: 'sessions opened (reconnecting)', value: sessions, unit: '' },
    { figure: 'initialize answered 429, waited out', value: refused, unit: '' },
    { figure: 'live sessions at the end (reconnecting)', value: reconnecting.rounds.at(-1)!.liveSessions, unit: '' },
    { figure: 'RSS growth per 2,400 calls, last half (reconnecting)', value: slope(lastHalf(reconnecting)), unit: 'MiB', target: { op: '<=', value: 1 } },
    { figure: 'RSS growth per 2,400 calls, last half (steady baseline)', value: slope(lastHalf(steady)), unit: 'MiB' },
    { figure: 'RSS peak (reconnecting)', value: peak(reconnecting), unit: 'MiB', target: { op: '<=', value: 200 } },
    { figure: 'RSS peak (steady baseline)', value: peak(steady), unit: 'MiB' },
  ];
  printTable(`soak: ${clientCount} clients reconnecting every ${reconnectEvery} calls vs never, same run`, figures);
  const curve = (target: Target) => target.rounds.map((r) => ({ calls: r.calls, rssMiB: Math.round(r.rssMiB * 10) / 10, liveSessions: r.liveSessions }));
  console.log(
    `results: ${writeResults('clients-soak', { clientCount, reconnectEvery, curve: { reconnecting: curve(reconnecting), steady: curve(steady) }, figures })}`,
  );
  return figures;
}

if (import.meta.main) await main();
