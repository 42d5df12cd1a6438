import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isUserError, UserError } from '../../src/gateway/errors.ts';
import { Gateway } from '../../src/gateway/gateway.ts';
import { silentLogger } from '../../src/gateway/logger.ts';
import { resolveSettings, type Settings } from '../../src/gateway/settings.ts';
import { Backoff } from '../../src/gateway/pg/backoff.ts';
import { resolveSyncConfig } from '../../src/gateway/sync/sync-config.ts';
import { tenantSchema } from '../../src/gateway/pg/remote-schema.ts';
import { maskUrl, scrubSecrets, tlsOptions } from '../../src/gateway/pg/pg-target.ts';
import { classifyFailure, describeFailure } from '../../src/gateway/pg/pg-failure.ts';
import { tempDir } from '../helpers/gateway-harness.ts';

const KEY = 'dmk_live_0123456789abcdef0123';
const PASSWORD = 's3cr3t-Pa55word';

function settings(overrides: Partial<Settings> = {}): Settings {
  return { ...resolveSettings({}, {}), port: 0, dataDir: tempDir('dementia-cfg-'), ...overrides };
}

function configError(overrides: Partial<Settings>): UserError {
  try {
    resolveSyncConfig(settings(overrides));
  } catch (error) {
    assert.ok(isUserError(error), `expected a UserError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected an error');
}

describe('sync settings (invariant 8: no secret in any message)', () => {
  it('no URL and no key is the normal not-configured state', () => {
    assert.equal(resolveSyncConfig(settings()), undefined);
  });

  it('names the tenant schema dementia_<first 16 hex of sha256(key)>', () => {
    const config = resolveSyncConfig(settings({ pgUrl: `postgres://app:${PASSWORD}@db.example.com:6543/memory`, apiKey: KEY }))!;
    assert.equal(config.schema, tenantSchema(KEY));
    assert.match(config.schema, /^dementia_[0-9a-f]{16}$/);
    assert.equal(config.host, 'db.example.com');
    assert.equal(config.port, 6543);
    assert.equal(config.database, 'memory');
    assert.equal(config.password, PASSWORD);
    assert.equal(config.displayUrl.includes(PASSWORD), false);
    assert.equal(config.sslMode, 'verify-full', 'remote hosts default to verified TLS');
  });

  it('a malformed API key names DEMENTIA_API_KEY and the fix, never the key', () => {
    for (const apiKey of ['short', 'has a space in the middle of it', `"${KEY}"`]) {
      const error = configError({ pgUrl: 'postgres://u:p@localhost/db', apiKey });
      assert.equal(error.code, 'INVALID_SETTING');
      assert.match(error.message, /DEMENTIA_API_KEY/);
      assert.match(error.fix ?? '', /Copy the API key/);
      assert.equal(error.describe().includes(apiKey), false);
    }
  });

  it('a malformed URL names DEMENTIA_PG_URL with the password masked', () => {
    const notPostgres = configError({ pgUrl: `mysql://app:${PASSWORD}@db.example.com/x`, apiKey: KEY });
    assert.match(notPostgres.message, /DEMENTIA_PG_URL is a mysql: URL, not a Postgres URL/);
    assert.equal(notPostgres.describe().includes(PASSWORD), false);
    assert.match(notPostgres.fix ?? '', /postgres:\/\/USER:PASSWORD@HOST/);

    const garbage = configError({ pgUrl: `app:${PASSWORD}@nowhere`, apiKey: KEY });
    assert.match(garbage.message, /DEMENTIA_PG_URL is a app: URL/);
    const noHost = configError({ pgUrl: `postgres://app:${PASSWORD}@/db`, apiKey: KEY });
    assert.match(noHost.message, /DEMENTIA_PG_URL is not a valid URL/);
    const noUser = configError({ pgUrl: 'postgres://db.example.com/db', apiKey: KEY });
    assert.match(noUser.message, /DEMENTIA_PG_URL \(postgres:\/\/db\.example\.com\/db\) names no user/);
    assert.equal(noHost.describe().includes(PASSWORD), false);
    assert.equal(garbage.describe().includes(PASSWORD), false);

    const badTls = configError({ pgUrl: `postgres://app:${PASSWORD}@db.example.com/x?sslmode=maybe`, apiKey: KEY });
    assert.match(badTls.message, /sslmode=maybe/);
    assert.equal(badTls.describe().includes(PASSWORD), false);
  });

  it('half a configuration is an error that says what is missing', () => {
    assert.match(configError({ apiKey: KEY }).message, /no Postgres URL/);
    const urlOnly = configError({ pgUrl: `postgres://app:${PASSWORD}@db.example.com/x` });
    assert.match(urlOnly.message, /no API key/);
    assert.equal(urlOnly.describe().includes(PASSWORD), false);
  });

  it('reads config.json in the data folder; environment settings win', () => {
    const dataDir = tempDir('dementia-cfg-');
    writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ pgUrl: 'postgres://u:p@localhost:5433/fromfile', apiKey: KEY }));
    const fromFile = resolveSyncConfig(settings({ dataDir }))!;
    assert.equal(fromFile.database, 'fromfile');
    assert.equal(fromFile.sslMode, 'disable', 'this machine needs no TLS by default');
    const fromEnv = resolveSyncConfig(settings({ dataDir, pgUrl: 'postgres://u:p@localhost/fromenv' }))!;
    assert.equal(fromEnv.database, 'fromenv');

    writeFileSync(join(dataDir, 'config.json'), '{ not json');
    assert.match(configError({ dataDir }).message, /config\.json is not a JSON object/);
  });

  it('TLS: sslmode and a CA file map onto node-postgres options', () => {
    const dataDir = tempDir('dementia-cfg-');
    writeFileSync(join(dataDir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const full = resolveSyncConfig(settings({ dataDir, pgUrl: 'postgres://u:p@db.example.com/x?sslmode=verify-full', apiKey: KEY, pgCaFile: 'ca.pem' }))!;
    assert.deepEqual(tlsOptions(full), { ca: full.ca });
    const require = resolveSyncConfig(settings({ dataDir, pgUrl: 'postgres://u:p@db.example.com/x?sslmode=require', apiKey: KEY }))!;
    assert.deepEqual(tlsOptions(require), { rejectUnauthorized: false });
    const off = resolveSyncConfig(settings({ dataDir, pgUrl: 'postgres://u:p@db.example.com/x?sslmode=disable', apiKey: KEY }))!;
    assert.equal(tlsOptions(off), false);
    const rootCert = resolveSyncConfig(
      settings({ dataDir, pgUrl: `postgres://u:p@db.example.com/x?sslmode=verify-ca&sslrootcert=${join(dataDir, 'ca.pem')}`, apiKey: KEY }),
    )!;
    assert.ok(rootCert.ca?.includes('BEGIN CERTIFICATE'));
    const missing = configError({ dataDir, pgUrl: 'postgres://u:p@db.example.com/x', apiKey: KEY, pgCaFile: 'nope.pem' });
    assert.match(missing.message, /CA certificate file .*nope\.pem/);
  });

  it('the gateway refuses to start on a malformed setting, with the UserError', async () => {
    const dataDir = tempDir('dementia-cfg-');
    await assert.rejects(
      Gateway.start({
        settings: settings({ dataDir, pgUrl: `postgres://app:${PASSWORD}@db.example.com/x`, apiKey: 'bad key' }),
        logger: silentLogger,
        writeRuntimeFile: false,
      }),
      (error: unknown) => isUserError(error) && /DEMENTIA_API_KEY/.test(error.message) && !error.describe().includes(PASSWORD),
    );
  });

  it('masks passwords and keys in error texts', () => {
    assert.equal(maskUrl(`postgres://app:${PASSWORD}@h/db`), 'postgres://app:***@h/db');
    const scrubbed = scrubSecrets(`failed for postgres://app:${PASSWORD}@h/db with key ${KEY}`, [KEY, PASSWORD]);
    assert.equal(scrubbed.includes(PASSWORD) || scrubbed.includes(KEY), false);
    const error = Object.assign(new Error(`password authentication failed (${PASSWORD})`), { code: '28P01' });
    assert.equal(describeFailure(error, [PASSWORD]).includes(PASSWORD), false);
  });

  it('tells "unreachable, retry" from "refused, needs a fix"', () => {
    assert.equal(classifyFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), 'offline');
    assert.equal(classifyFailure(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })), 'offline');
    assert.equal(classifyFailure(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' })), 'offline');
    assert.equal(classifyFailure(new Error('Connection terminated unexpectedly')), 'offline');
    assert.equal(classifyFailure(Object.assign(new Error('password authentication failed'), { code: '28P01' })), 'error');
    assert.equal(classifyFailure(Object.assign(new Error('permission denied'), { code: '42501' })), 'error');
  });

  it('backs off exponentially with jitter, capped, and resets', () => {
    const backoff = new Backoff(100, 1_000, () => 1);
    assert.deepEqual([backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()], [100, 200, 400, 800, 1000]);
    backoff.reset();
    assert.equal(backoff.next(), 100);
    const jittered = new Backoff(100, 1_000, () => 0);
    assert.equal(jittered.next(), 10, 'never zero: a retry is never immediate');
  });
});
