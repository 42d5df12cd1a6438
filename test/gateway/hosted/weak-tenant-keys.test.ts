import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { sha256Hex } from '../../../src/gateway/secrets.ts';
import { TenantDirectory } from '../../../src/gateway/hosted/tenant-directory.ts';
import { ensureRemoteSchema, tenantSchema } from '../../../src/gateway/pg/remote-schema.ts';
import { disposeSharedPostgres, sharedPostgres, type SharedPostgres } from '../../helpers/postgres.ts';

const CLI = fileURLToPath(new URL('../../../src/gateway/cli/main.ts', import.meta.url));

/** `dementia ARGS` with `input` piped to standard input. */
function dementia(args: string[], env: Record<string, string>, input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(input);
  });
}

let server: SharedPostgres;
before(async () => {
  server = await sharedPostgres();
});
after(() => disposeSharedPostgres());

describe('tenant API keys are strong (attack: `echo x | dementia tenants add --key-from-stdin`)', { timeout: 120_000 }, () => {
  it('a key under 16 characters is refused with the rule and the fix; nothing is registered', async () => {
    const env = { DEMENTIA_PG_URL: server.url(await server.createDatabase('weak_keys')) };
    const weak = await dementia(['tenants', 'add', '--key-from-stdin'], env, 'x\n');
    assert.equal(weak.code, 2, weak.stdout);
    assert.match(weak.stderr, /at least 16 characters.*got 1/s);
    assert.match(weak.stderr, /Fix: .*dementia tenants add.*without --key-from-stdin/s);
    const listed = JSON.parse((await dementia(['tenants', 'list', '--json'], env)).stdout) as unknown[];
    assert.deepEqual(listed, [], 'the weak key was not registered');

    const strong = await dementia(['tenants', 'add', '--key-from-stdin', '--json'], env, 'a-desktop-key-0123456789\n');
    assert.equal(strong.code, 0, strong.stderr);
    const generated = await dementia(['tenants', 'add', '--json'], env);
    const key = (JSON.parse(generated.stdout) as { apiKey: string }).apiKey;
    // dmk_ and 32 random bytes: 256 bits, at least the 128 the rule asks of a generated key.
    assert.ok(Buffer.from(key.slice('dmk_'.length), 'base64url').length * 8 >= 128, key);
  });

  it('tenants list flags a weak key registered before the rule: unknown until its user signs in, then weak', async () => {
    const env = { DEMENTIA_PG_URL: server.url(await server.createDatabase('weak_keys_old')) };
    const pool = new pg.Pool({ connectionString: env.DEMENTIA_PG_URL, max: 1 });
    try {
      const tenants = new TenantDirectory(pool);
      await tenants.prepare();
      // As an older version registered "x": only its hash is kept, so its length is unknown.
      const client = await pool.connect();
      await ensureRemoteSchema(client, tenantSchema('x'), { hosted: true }).finally(() => client.release());
      await pool.query(`INSERT INTO dementia_hosted.tenants (schema, key_hash, label) VALUES ($1, $2, 'old')`, [tenantSchema('x'), sha256Hex('x')]);
      const before = JSON.parse((await dementia(['tenants', 'list', '--json'], env)).stdout) as { keyStrength: string }[];
      assert.equal(before[0]!.keyStrength, 'unknown');
      const text = await dementia(['tenants', 'list'], env);
      assert.match(text.stdout, /key strength unknown/);

      assert.ok(await tenants.findByApiKey('x'), 'the old key still signs in (refusing it would lock its user out)');
      const after = JSON.parse((await dementia(['tenants', 'list', '--json'], env)).stdout) as { keyStrength: string }[];
      assert.equal(after[0]!.keyStrength, 'weak');
      assert.match((await dementia(['tenants', 'list'], env)).stdout, /WEAK KEY \(1 character\)/);
    } finally {
      await pool.end();
    }
  });
});
