import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { ManualClock } from '../../../src/gateway/clock.ts';
import { HostedGateway } from '../../../src/gateway/hosted/hosted-gateway.ts';
import { resolveHostedSettings } from '../../../src/gateway/hosted/hosted-settings.ts';
import { createHostedAuth } from '../../../src/gateway/hosted/oauth/create-hosted-auth.ts';
import { silentLogger } from '../../../src/gateway/logger.ts';
import { spawnServe } from '../../helpers/cli-process.ts';
import { disposeSharedPostgres, FlakyLink, freePort, sharedPostgres, type SharedPostgres } from '../../helpers/postgres.ts';
import { addTenants, signedInToken } from './hosted-processes.ts';
import { callTool, connectWithOAuth, TestOAuthClient } from './oauth-harness.ts';
import { openSignInPage, postSignIn } from './oauth-raw.ts';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef0123456789';
const CALLBACK = 'https://claude.ai/api/mcp/auth_callback';

let server: SharedPostgres;
before(async () => {
  server = await sharedPostgres();
});
after(() => disposeSharedPostgres());

/** One sample of the scrape, by metric name and exact labels (as Prometheus writes them). */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function scrape(base: URL, token: string | undefined): Promise<Response> {
  return fetch(new URL('/metrics', base), { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
}

describe('hosted operations: /readyz, /metrics (DESIGN 9, 13)', { timeout: 180_000 }, () => {
  let gateway: HostedGateway;
  let link: FlakyLink;
  let base: URL;
  let apiKey: string;

  before(async () => {
    const database = await server.createDatabase('hosted_metrics');
    link = new FlakyLink(server.port);
    await link.up();
    const settings = resolveHostedSettings(
      {},
      { DEMENTIA_PG_URL: server.url(database).replace(`:${server.port}/`, `:${link.port}/`), DEMENTIA_PORT: '0', DEMENTIA_METRICS_TOKEN: METRICS_TOKEN },
    );
    gateway = await HostedGateway.start({ settings, createAuth: createHostedAuth, clock: new ManualClock(Date.now()), logger: silentLogger });
    base = new URL(gateway.mcpUrl);
    apiKey = (await gateway.tenants.add({ label: 'alice' })).apiKey;
  });
  after(async () => {
    await gateway.stop();
    await link.down();
  });

  it('/metrics needs the bearer token (401 without or with a wrong one; no secret in the refusal)', async () => {
    const none = await scrape(base, undefined);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    const wrong = await scrape(base, `${METRICS_TOKEN.slice(0, -1)}x`);
    assert.equal(wrong.status, 401);
    assert.doesNotMatch(await wrong.text(), /metrics-token/);
    const right = await scrape(base, METRICS_TOKEN);
    assert.equal(right.status, 200);
    assert.match(right.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  });

  it('sign-ins, tool calls by outcome, latencies, live sessions, 429s, pool and LISTEN move with real traffic', async () => {
    // Refused sign-ins on one page until the page's limit answers 429.
    const { signInUrl, jar } = await openSignInPage(base, { name: 'Guesser', redirectUri: CALLBACK }, new URL('/mcp', base).href);
    const statuses: number[] = [];
    while (!statuses.includes(429) && statuses.length < 30)
      statuses.push((await postSignIn(signInUrl, jar, { apiKey: 'dmk_wrong-key-wrong-key-wrong-key' }, base.origin)).status);
    assert.equal(statuses.at(-1), 429, `statuses: ${statuses.join(',')}`);
    assert.ok(statuses.slice(0, -1).every((status) => status === 403));

    const claude = new TestOAuthClient({ name: 'claude.ai', redirectUri: CALLBACK });
    await connectWithOAuth({ mcpUrl: base }, 'http', claude, apiKey);
    const call = (tool: string, args: Record<string, unknown>) => callTool(base, claude, tool, args);
    assert.equal((await call('lock_context', { topic: 'x', content: 'y' })).isError, true, 'no project yet');
    assert.equal((await call('create_project', { name: 'innkeeper' })).isError, false);
    assert.equal((await call('lock_context', { project: 'innkeeper', topic: 'menu', content: 'Soup' })).isError, false);
    assert.equal((await call('lock_context', { project: 'innkeeper', topic: 'menu', content: 'Soup and bread' })).isError, false);
    const missing = await call('recall_context', { project: 'innkeeper', topic: 'nothing-here' });
    assert.equal(missing.isError, true);
    const missingCode = /Error ([A-Z_]+)/.exec(missing.text)?.[1];
    assert.ok(missingCode, missing.text);
    assert.equal((await call('end_session', { project: 'innkeeper', summary: 'Menu done.' })).isError, false);

    // One MCP session stays open while Prometheus scrapes.
    const open = new Client({ name: 'open-session', version: '1.0.0' });
    await open.connect(new StreamableHTTPClientTransport(base, { authProvider: claude }));
    try {
      const text = await (await scrape(base, METRICS_TOKEN)).text();
      assert.equal(sample(text, 'dementia_sign_ins_total', 'outcome="refused"'), statuses.length);
      assert.equal(sample(text, 'dementia_sign_ins_total', 'outcome="allowed"'), 1);
      assert.equal(sample(text, 'dementia_rate_limited_total', 'route="sign-in"'), 1);
      assert.equal(sample(text, 'dementia_calls_total', 'operation="lock_context",outcome="ok"'), 2);
      assert.equal(sample(text, 'dementia_calls_total', 'operation="lock_context",outcome="PROJECT_SELECTION_REQUIRED"'), 1);
      assert.equal(sample(text, 'dementia_calls_total', `operation="recall_context",outcome="${missingCode}"`), 1);
      assert.equal(sample(text, 'dementia_calls_total', 'operation="create_project",outcome="ok"'), 1);
      assert.equal(sample(text, 'dementia_tool_call_duration_seconds_count', 'tool="lock_context"'), 3);
      assert.equal(sample(text, 'dementia_tool_call_duration_seconds_bucket', 'le="+Inf",tool="lock_context"'), 3);
      assert.equal(sample(text, 'dementia_handovers_written_total', 'reason="end_session"'), 1);
      // Every MCP session the process holds (closed clients' sessions stay until reaped or evicted).
      assert.equal(sample(text, 'dementia_mcp_sessions'), gateway.endpoint.stats().connections);
      assert.ok(gateway.endpoint.stats().connections >= 1);
      assert.equal(sample(text, 'dementia_connected_clients'), 1);
      assert.equal(sample(text, 'dementia_pg_listen_up'), 1);
      assert.equal(sample(text, 'dementia_pg_pool_waiting'), 0);
      assert.ok((sample(text, 'dementia_pg_pool_in_use') ?? -1) >= 0);
    } finally {
      await open.close();
    }
  });

  it('/healthz is liveness; /readyz answers 503 while Postgres is unreachable and 200 once it is back', async () => {
    assert.equal((await fetch(new URL('/readyz', base))).status, 200);
    await link.down();
    try {
      const down = await fetch(new URL('/readyz', base));
      assert.equal(down.status, 503);
      assert.match(await down.text(), /Postgres/);
      assert.equal((await fetch(new URL('/healthz', base))).status, 200, 'the process itself is alive');
    } finally {
      await link.up();
    }
    assert.equal((await fetch(new URL('/readyz', base))).status, 200);
  });

  it('without DEMENTIA_METRICS_TOKEN there is no /metrics (404); a short token is refused at start with the fix', async () => {
    const database = await server.createDatabase('hosted_metrics_off');
    const settings = resolveHostedSettings({}, { DEMENTIA_PG_URL: server.url(database), DEMENTIA_PORT: '0' });
    const plain = await HostedGateway.start({ settings, createAuth: createHostedAuth, logger: silentLogger });
    try {
      assert.equal((await scrape(new URL(plain.mcpUrl), METRICS_TOKEN)).status, 404);
    } finally {
      await plain.stop();
    }
    assert.throws(
      () => resolveHostedSettings({}, { DEMENTIA_PG_URL: server.url(database), DEMENTIA_METRICS_TOKEN: 'short' }),
      (error: Error & { fix?: string }) => /DEMENTIA_METRICS_TOKEN is shorter than 24/.test(error.message) && /openssl rand/.test(error.fix ?? ''),
    );
  });

  it('serve --hosted with DEMENTIA_LOG_FORMAT=json writes only JSON lines to stderr, without secrets', async () => {
    const pgUrl = server.url(await server.createDatabase('hosted_json_logs'));
    const [tenant] = await addTenants(pgUrl, 1);
    const port = await freePort();
    const serve = await spawnServe(['--hosted'], {
      DEMENTIA_PG_URL: pgUrl,
      DEMENTIA_PORT: String(port),
      DEMENTIA_LOG_FORMAT: 'json',
      DEMENTIA_METRICS_TOKEN: METRICS_TOKEN,
    });
    const processBase = new URL(`http://127.0.0.1:${port}`);
    try {
      await signedInToken(processBase, tenant!.apiKey, 'claude.ai');
      const metrics = await (await scrape(processBase, METRICS_TOKEN)).text();
      assert.equal(sample(metrics, 'dementia_sign_ins_total', 'outcome="allowed"'), 1);
    } finally {
      serve.child.kill('SIGTERM');
      assert.equal(await serve.exited, 0);
    }
    const lines = serve.stderr().trim().split('\n');
    const entries = lines.map((line) => JSON.parse(line) as { time: string; level: string; message: string; name?: string });
    assert.ok(entries.every((entry) => typeof entry.time === 'string' && ['info', 'warn', 'error'].includes(entry.level) && typeof entry.message === 'string'));
    assert.ok(
      entries.some((entry) => entry.message === 'Hosted client signed in' && entry.name === 'claude.ai'),
      serve.stderr(),
    );
    assert.ok(entries.some((entry) => /^Listening on 127\.0\.0\.1:/.test(entry.message)));
    assert.doesNotMatch(serve.stderr(), /dmk_[A-Za-z0-9_-]{20}|metrics-token|test-password/);
  });
});
