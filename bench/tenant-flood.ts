/**
 * One tenant flooding a hosted process, as the probe in issue 20 (item 7) did: SIGN_INS sign-ins of
 * new clients, then INITS initialize requests by each, all at once. Runs the real HostedGateway
 * twice in the same run, each in its own node process so RSS is its own: `uncapped` (per-tenant
 * caps off, the baseline: what the server did before) and `capped` (DEFAULT_TENANT_CAPS). Reports
 * sessions created, 429s and RSS growth of the server process.
 *
 *   node bench/tenant-flood.ts [signIns] [initsPerClient]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HostedGateway } from '../src/gateway/hosted/hosted-gateway.ts';
import { resolveHostedSettings } from '../src/gateway/hosted/hosted-settings.ts';
import { createHostedAuth } from '../src/gateway/hosted/oauth/create-hosted-auth.ts';
import { DEFAULT_TENANT_CAPS } from '../src/gateway/hosted/tenant-caps.ts';
import { silentLogger } from '../src/gateway/logger.ts';
import { signedInToken } from '../test/gateway/hosted/hosted-processes.ts';
import { postInitialize } from '../test/helpers/raw-initialize.ts';
import { benchPostgres } from './sync-fixture.ts';

const args = process.argv.slice(2);
const mode = args[0] === 'capped' || args[0] === 'uncapped' ? args.shift() : undefined;
const [signInsArg, initsArg] = args;
const SIGN_INS = Number(signInsArg ?? 30);
const INITS = Number(initsArg ?? 30);

async function flood(capped: boolean): Promise<void> {
  const postgres = await benchPostgres();
  const settings = resolveHostedSettings(
    {},
    { DEMENTIA_PG_URL: postgres.url(await postgres.createDatabase(`tenant_flood_${capped ? 'capped' : 'uncapped'}`)), DEMENTIA_PORT: '0' },
  );
  const off = { sessionsPerTenant: Infinity, clientsPerTenant: Infinity };
  const gateway = await HostedGateway.start({ settings, createAuth: createHostedAuth, logger: silentLogger, ...(capped ? {} : { tenantCaps: off }) });
  try {
    const { apiKey } = await gateway.tenants.add({ label: 'flood' });
    const tokens = [];
    for (let i = 0; i < SIGN_INS; i++) tokens.push(await signedInToken(gateway.publicUrl, apiKey, `flood ${i}`).catch(() => undefined));
    const signedIn = tokens.filter((token): token is string => token !== undefined);
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const heapBefore = process.memoryUsage().heapUsed;
    const started = Date.now();
    const statuses = new Map<number, number>();
    // 64 at a time: one address may hold at most 200 connections (connection-limits.ts).
    const queue = signedIn.flatMap((token) => Array.from({ length: INITS }, () => token));
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        for (let token = queue.pop(); token !== undefined; token = queue.pop()) {
          const response = await postInitialize(gateway.mcpUrl, token);
          await response.arrayBuffer();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    global.gc?.();
    const rssGrowth = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    const heapGrowth = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    console.log(
      `${capped ? `capped (${DEFAULT_TENANT_CAPS.sessionsPerTenant} sessions, ${DEFAULT_TENANT_CAPS.clientsPerTenant} clients per tenant)` : 'uncapped (baseline)'}: ` +
        `${signedIn.length}/${SIGN_INS} sign-ins, ${signedIn.length * INITS} initialize -> ${[...statuses].map(([status, n]) => `${status}: ${n}`).join(', ')}; ` +
        `live sessions ${gateway.endpoint.stats().connections}; RSS +${rssGrowth.toFixed(1)} MB, heap after GC +${heapGrowth.toFixed(1)} MB over the initialize flood, which took ${seconds.toFixed(1)} s`,
    );
  } finally {
    await gateway.stop();
    await postgres.dispose();
  }
}

if (mode === 'capped' || mode === 'uncapped') await flood(mode === 'capped');
else {
  const self = fileURLToPath(import.meta.url);
  for (const run of ['uncapped', 'capped']) {
    const child = spawnSync(process.execPath, ['--expose-gc', self, run, String(SIGN_INS), String(INITS)], { stdio: 'inherit' });
    if (child.status !== 0) process.exitCode = 1;
  }
}
