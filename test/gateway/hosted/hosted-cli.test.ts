import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../helpers/cli-process.ts';
import { disposeSharedPostgres, freePort, sharedPostgres, type SharedPostgres } from '../../helpers/postgres.ts';
import { postInitialize } from '../../helpers/raw-initialize.ts';
import { signedInToken, startHostedProcess } from './hosted-processes.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** `npm run --silent dementia -- ARGS`, exactly as docs/design.md section 9 says scripts run the CLI. */
function npmDementia(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('npm', ['run', '--silent', 'dementia', '--', ...args], { cwd: ROOT, env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let server: SharedPostgres;
before(async () => {
  server = await sharedPostgres();
});
after(() => disposeSharedPostgres());

describe('hosted mode command line (docs/design.md section 9)', { timeout: 120_000 }, () => {
  it('tenants add --json prints the key once and the schema; list, serve --hosted, hosted clients list and remove', async () => {
    const env = { DEMENTIA_PG_URL: server.url(await server.createDatabase('hosted_cli')) };
    const added = await npmDementia(['tenants', 'add', '--label', 'alice', '--json'], env);
    assert.equal(added.code, 0, added.stderr);
    const tenant = JSON.parse(added.stdout) as { apiKey: string; schema: string };
    assert.match(tenant.apiKey, /^dmk_[A-Za-z0-9_-]{43}$/);
    assert.match(tenant.schema, /^dementia_[0-9a-f]{16}$/);

    const listed = JSON.parse((await npmDementia(['tenants', 'list', '--json'], env)).stdout) as { schema: string; label: string; clients: number }[];
    assert.deepEqual(
      listed.map(({ schema, label, clients }) => ({ schema, label, clients })),
      [{ schema: tenant.schema, label: 'alice', clients: 0 }],
    );
    assert.doesNotMatch(JSON.stringify(listed), /dmk_/, 'the key is never shown again');

    const port = await freePort();
    const hosted = await startHostedProcess({ pgUrl: env.DEMENTIA_PG_URL, publicUrl: `http://127.0.0.1:${port}` }, port);
    try {
      assert.equal(hosted.stdout().trim(), `Dementia Companion hosted gateway listening on http://127.0.0.1:${port}/mcp`);
      const token = await signedInToken(hosted.base, tenant.apiKey, 'claude.ai');
      const clients = JSON.parse((await npmDementia(['clients', 'list', '--hosted', '--json'], env)).stdout) as {
        tenant: string;
        tenantLabel: string | null;
        name: string;
        id: string;
      }[];
      assert.deepEqual(
        clients.map((c) => [c.tenant, c.tenantLabel, c.name]),
        [[tenant.schema, 'alice', 'claude.ai']],
      );
      const text = (await npmDementia(['clients', 'list', '--hosted'], env)).stdout;
      assert.match(
        text,
        new RegExp(`^${tenant.schema} \\(alice\\)  claude\\.ai \\(other\\) · id \\S+ · last seen `),
        'the tenant by its label, the client by name, kind and id (issue 21.11)',
      );
      const mcp = new URL('/mcp', hosted.base);
      const ping = () => postInitialize(mcp, token, 't');
      assert.equal((await ping()).status, 200);

      const removed = await npmDementia(['clients', 'remove', 'claude.ai', '--hosted'], env);
      assert.equal(removed.code, 0, removed.stderr);
      assert.match(removed.stdout, /Revoked claude\.ai of dementia_[0-9a-f]{16}/);
      assert.equal((await ping()).status, 401, 'a revoked client is refused at once');

      const gone = await npmDementia(['tenants', 'remove', tenant.schema], env);
      assert.equal(gone.code, 0, gone.stderr);
      assert.deepEqual(JSON.parse((await npmDementia(['tenants', 'list', '--json'], env)).stdout), []);
    } finally {
      hosted.child.kill('SIGTERM');
      assert.equal(await hosted.exited, 0, 'stops cleanly on SIGTERM');
    }
  });

  it('bad settings and arguments get a clear error that names the fix, and exit 2', async () => {
    const noPg = await runCli(['serve', '--hosted'], { DEMENTIA_PG_URL: '' });
    assert.equal(noPg.code, 2);
    assert.match(noPg.stderr, /Hosted mode needs DEMENTIA_PG_URL.*Fix: Set DEMENTIA_PG_URL/s);
    const pgUrl = server.url(await server.createDatabase('hosted_cli_bad'));
    const plainHttp = await runCli(['serve', '--hosted'], { DEMENTIA_PG_URL: pgUrl, DEMENTIA_PUBLIC_URL: 'http://memory.example.com', DEMENTIA_PORT: '0' });
    assert.equal(plainHttp.code, 2);
    assert.match(plainHttp.stderr, /not https.*Fix: Put the server behind an HTTPS proxy/s);
    const badConnections = await runCli(['tenants', 'list'], { DEMENTIA_PG_URL: pgUrl, DEMENTIA_PG_MAX_CONNECTIONS: 'lots' });
    assert.equal(badConnections.code, 2);
    assert.match(badConnections.stderr, /DEMENTIA_PG_MAX_CONNECTIONS "lots" is not a whole number/);
    const unknown = await runCli(['tenants', 'remove', 'dementia_0000000000000000'], { DEMENTIA_PG_URL: pgUrl });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /No tenant with schema "dementia_0000000000000000" is registered/);
    const wrongPassword = await runCli(['tenants', 'list'], { DEMENTIA_PG_URL: pgUrl.replace('test-password', 'wrong-password') });
    assert.equal(wrongPassword.code, 2);
    assert.match(
      wrongPassword.stderr,
      /Postgres at 127\.0\.0\.1:\d+\/hosted_cli_bad_\d+_\d+ refused the login of user "postgres".*Fix: Check the user and password in DEMENTIA_PG_URL/s,
    );
    assert.doesNotMatch(wrongPassword.stderr, /wrong-password|test-password/, 'no password in the message');
    const nobody = await runCli(['serve', '--hosted'], { DEMENTIA_PG_URL: `postgres://postgres:x@127.0.0.1:${await freePort()}/none`, DEMENTIA_PORT: '0' });
    assert.equal(nobody.code, 2);
    assert.match(nobody.stderr, /Postgres at 127\.0\.0\.1:\d+\/none cannot be reached \(.*ECONNREFUSED.*\)\. Fix: Check that it runs/s);
  });
});
