import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { CONTROL_SCHEMA } from '../../src/gateway/hosted/control-schema.ts';
import { sha256Hex } from '../../src/gateway/secrets.ts';
import { spawnListening, type ServeProcess } from '../helpers/cli-process.ts';
import { connectClient, textOf, type ConnectedClient } from '../helpers/gateway-harness.ts';
import { disposeSharedPostgres, freePort, sharedPostgres, type SharedPostgres } from '../helpers/postgres.ts';
import { notificationLog } from '../helpers/resource-notifications.ts';
import { addTenants } from '../gateway/hosted/hosted-processes.ts';
import { connectWithOAuth, TestOAuthClient } from '../gateway/hosted/oauth-harness.ts';
import { CookieJar, openSignInPage } from '../gateway/hosted/oauth-raw.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEPLOY = join(ROOT, 'deploy');
const CADDY = process.env.CADDY_BIN ?? '/usr/bin/caddy';
/** Where the shipped unit expects the checkout; the test runs this checkout instead. */
const INSTALL_DIR = '/opt/dementia-companion';
const CALLBACK = 'https://claude.ai/api/mcp/auth_callback';
const METRICS_TOKEN = 'caddy-test-metrics-token-0123456789abcdef';

const caddyMissing = (): string | false => (existsSync(CADDY) ? false : `${CADDY} is missing: apt-get install -y caddy (.ci/run does)`);

/** The shipped Caddyfile with this run's site address (`tls internal`) and upstreams: the file under test, two substitutions and local-only globals. */
function caddyfileFor(caddyPort: number, upstreamPorts: number[], storage: string): string {
  const shipped = readFileSync(join(DEPLOY, 'Caddyfile'), 'utf8');
  const substitute = (text: string, from: RegExp, to: string) => {
    assert.equal(text.match(new RegExp(from.source, 'gm'))?.length, 1, `deploy/Caddyfile has one ${from}`);
    return text.replace(new RegExp(from.source, 'm'), to);
  };
  let site = substitute(shipped, /^memory\.example\.com \{$/, `https://127.0.0.1:${caddyPort} {\n\ttls internal`);
  site = substitute(
    site,
    /^(\s*)reverse_proxy 127\.0\.0\.1:47821 127\.0\.0\.1:47822 \{$/,
    `$1reverse_proxy ${upstreamPorts.map((port) => `127.0.0.1:${port}`).join(' ')} {`,
  );
  // No admin API, no port 80, no change to the machine's trust store: a test touches nothing outside its folder.
  const globals = `{\n\tadmin off\n\tskip_install_trust\n\tauto_https disable_redirects\n\tstorage file_system ${storage}\n}\n\n`;
  return globals + site;
}

/** The environment file as shipped, with this run's Postgres, public URL and metrics token. */
function envFileWith(overrides: Record<string, string>): Record<string, string> {
  const shipped = readFileSync(join(DEPLOY, 'dementia.env.example'), 'utf8');
  const values = Object.fromEntries(
    shipped
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  return { ...values, ...overrides };
}

/** Every process the test starts: killed in `after` too, so a test that times out cannot leave them holding the run open. */
const spawned: ChildProcess[] = [];

/** The shipped unit's ExecStart (in this checkout) and its port setting, run as systemd would for instance `port`. */
async function startUnit(port: number, env: Record<string, string>): Promise<ServeProcess> {
  const unit = readFileSync(join(DEPLOY, 'systemd', 'dementia-hosted@.service'), 'utf8');
  const execStart = /^ExecStart=(.+)$/m.exec(unit)?.[1];
  assert.ok(execStart, 'the unit has an ExecStart');
  assert.match(unit, /^Environment=DEMENTIA_PORT=%i$/m);
  assert.match(unit, /^EnvironmentFile=\/etc\/dementia\/dementia\.env$/m);
  const [program, ...args] = execStart.replaceAll(INSTALL_DIR, ROOT.replace(/\/$/, '')).split(/\s+/);
  assert.ok(program && existsSync(program), `ExecStart's program exists in the checkout: ${program}`);
  const unitProcess = await spawnListening(`dementia-hosted@${port}`, args, { PATH: process.env.PATH, ...env, DEMENTIA_PORT: String(port) });
  spawned.push(unitProcess.child);
  return unitProcess;
}

/** Starts Caddy and waits until it says it serves the configuration and holds the site's certificate. */
function startCaddy(config: string, home: string): Promise<{ child: ChildProcess; exited: Promise<number | string>; log: () => string }> {
  const child = spawn(CADDY, ['run', '--config', config, '--adapter', 'caddyfile'], {
    env: { PATH: process.env.PATH, HOME: home, XDG_DATA_HOME: join(home, 'data'), XDG_CONFIG_HOME: join(home, 'config') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  spawned.push(child);
  let log = '';
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`caddy did not get ready: ${log}`));
    }, 30_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (/serving initial configuration/.test(log) && /certificate obtained successfully/.test(log)) {
        clearTimeout(timer);
        resolve({ child, exited, log: () => log });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`caddy exited with ${code}: ${log}`));
    });
  });
}

/** A sign-in form post over https from the local address `from`, claiming another address in X-Forwarded-For. */
function postFormFrom(from: string, url: URL, jar: CookieJar, form: Record<string, string>, spoofed: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = new URLSearchParams(form).toString();
    const outgoing = request(
      url,
      {
        method: 'POST',
        localAddress: from,
        headers: {
          cookie: jar.header(),
          origin: url.origin,
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': String(Buffer.byteLength(body)),
          'x-forwarded-for': spoofed,
        },
      },
      (incoming) => {
        incoming.resume();
        incoming.on('end', () => resolve(incoming.statusCode ?? 0));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

let server: SharedPostgres;
before(async () => {
  server = await sharedPostgres();
});
after(async () => {
  for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await disposeSharedPostgres();
});

const missing = caddyMissing();

/** Issue 20 item 15 and README's hosted recipe: deploy/ as shipped, two processes behind a real Caddy over https. */
describe('deploy/: two hosted processes behind Caddy over real TLS', { skip: missing && process.env.CI !== 'true' ? missing : false, timeout: 180_000 }, () => {
  it('sign-in through https, streamed events unbuffered, client addresses through the proxy, one process stopped while clients keep working', async () => {
    assert.equal(missing, false, 'CI installs caddy (.ci/run); the deployment test must run there');
    const home = mkdtempSync(join(tmpdir(), 'dementia-caddy-'));
    const pgUrl = server.url(await server.createDatabase('deploy_caddy'));
    const [tenant] = await addTenants(pgUrl, 1);
    const [caddyPort, portA, portB] = [await freePort(), await freePort(), await freePort()];
    const base = new URL(`https://127.0.0.1:${caddyPort}`);
    const mcpUrl = new URL('/mcp', base);
    const env = envFileWith({ DEMENTIA_PG_URL: pgUrl, DEMENTIA_PUBLIC_URL: base.origin, DEMENTIA_METRICS_TOKEN: METRICS_TOKEN });
    assert.equal(env.DEMENTIA_TRUST_PROXY, '1', 'the shipped env file trusts the one proxy in front');
    const processes = await Promise.all([startUnit(portA, env), startUnit(portB, env)]);
    const [a] = processes as [ServeProcess, ServeProcess];
    const config = join(home, 'Caddyfile');
    writeFileSync(config, caddyfileFor(caddyPort, [portA, portB], join(home, 'storage')));
    const caddy = await startCaddy(config, home);
    const clients: ConnectedClient[] = [];
    const pool = new pg.Pool({ connectionString: pgUrl, max: 1 });
    try {
      // The client trusts Caddy's internal root CA, as a client trusts a public CA in production.
      const root = readFileSync(join(home, 'storage', 'pki', 'authorities', 'local', 'root.crt'), 'utf8');
      setDefaultCACertificates([...getCACertificates('default'), root]);
      assert.equal(a.url.href, `${base.origin}/mcp`, 'each process advertises the public https URL');

      // Sign-in through https: the SDK's OAuth client discovers, registers, the form is posted, the code exchanged.
      const claude = new TestOAuthClient({ name: 'claude.ai', redirectUri: CALLBACK });
      const tokens = await connectWithOAuth({ mcpUrl }, 'http', claude, tenant!.apiKey);
      const connect = async () => {
        const client = await connectClient(mcpUrl, tokens.access_token);
        clients.push(client);
        return client;
      };
      const ok = async (client: ConnectedClient, tool: string, args: Record<string, unknown> = {}) => {
        const result = await client.call(tool, args);
        assert.notEqual(result.isError, true, `${tool}: ${textOf(result)}`);
        return textOf(result);
      };

      // A streamed response arrives while its stream is open: a watcher's event stream hears a write.
      const writer = await connect();
      await ok(writer, 'create_project', { name: 'innkeeper' });
      const watcher = await connect();
      await ok(watcher, 'select_project_for_session', { project_name: 'innkeeper' });
      const log = notificationLog(watcher.client);
      await watcher.client.listResources();
      const menu = 'dementia://projects/innkeeper/contexts/menu';
      await watcher.client.subscribeResource({ uri: menu });
      await ok(writer, 'lock_context', { project: 'innkeeper', topic: 'menu', content: 'Soup of the day' });
      await log.until(`updated ${menu}`);

      // The client's address reaches the server through Caddy (DEMENTIA_TRUST_PROXY=1): a failed
      // sign-in from 127.0.0.2 counts against 127.0.0.2, not against the proxy, nor what the client claimed.
      const { signInUrl: signInPage, jar } = await openSignInPage(base, { name: 'Guesser', redirectUri: CALLBACK }, mcpUrl.href);
      assert.equal(await postFormFrom('127.0.0.2', signInPage, jar, { api_key: 'dmk_not-the-key-not-the-key-not-the-key' }, '203.0.113.9'), 403);
      const failures = async (address: string) =>
        (await pool.query<{ failures: number }>(`SELECT failures FROM ${CONTROL_SCHEMA}.sign_in_failures WHERE bucket = $1`, [`address:${sha256Hex(address)}`]))
          .rows[0]?.failures;
      assert.equal(await failures('127.0.0.2'), 1, 'counted against the client address Caddy saw');
      assert.equal(await failures('203.0.113.9'), undefined, 'an X-Forwarded-For the client sent itself is not believed');

      // One process stops: clients keep working through the other, their sessions and event streams too.
      a.child.kill('SIGTERM');
      assert.equal(await a.exited, 0, 'stops cleanly');
      for (let i = 0; i < 4; i++) assert.match(await ok(await connect(), 'recall_context', { project: 'innkeeper', topic: 'menu' }), /Soup of the day/);
      assert.match(await ok(watcher, 'session_status'), /innkeeper/, 'an MCP session opened before the stop goes on');
      // Its event stream comes back through the remaining process (subscriptions are held per process: a
      // session that moved subscribes again, as the SDK client here does explicitly).
      await watcher.client.subscribeResource({ uri: menu });
      // The moved session hears of changes once the SDK client has reconnected its event stream (with a
      // backoff) to the remaining process; a change sent before that is not replayed, so write until one
      // is heard (at most 20 writes, 500 ms apart).
      let heard = false;
      for (let attempt = 0; attempt < 20 && !heard; attempt++) {
        await ok(writer, 'lock_context', { project: 'innkeeper', topic: 'menu', content: `Soup and bread (${attempt})` });
        heard = await Promise.race([log.until(`updated ${menu}`, 2).then(() => true), delay(500).then(() => false)]);
      }
      assert.ok(heard, 'the moved session hears of a change through the remaining process');
      const metrics = await (await fetch(new URL(`http://127.0.0.1:${portB}/metrics`), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
      assert.match(metrics, /dementia_calls_total\{operation="recall_context",outcome="ok"\} [4-9]/, 'the remaining process served them');
    } finally {
      await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
      await pool.end();
      caddy.child.kill('SIGTERM');
      for (const p of processes) p.child.kill('SIGTERM');
      await Promise.all([caddy.exited, ...processes.map((p) => p.exited)]);
      rmSync(home, { recursive: true, force: true });
    }
  });
});
