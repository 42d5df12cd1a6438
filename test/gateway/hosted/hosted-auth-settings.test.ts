import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type pg from 'pg';
import { systemClock } from '../../../src/gateway/clock.ts';
import { UserError } from '../../../src/gateway/errors.ts';
import { resolveHostedSettings } from '../../../src/gateway/hosted/hosted-settings.ts';
import { createHostedAuth } from '../../../src/gateway/hosted/oauth/create-hosted-auth.ts';
import { RemoteClientDirectory } from '../../../src/gateway/hosted/remote-clients.ts';
import { TenantDirectory } from '../../../src/gateway/hosted/tenant-directory.ts';
import { createLogger, silentLogger } from '../../../src/gateway/logger.ts';

const PG = { DEMENTIA_PG_URL: 'postgres://u:p@db.example:5432/memory' };

describe('hosted auth settings', () => {
  it('DEMENTIA_TRUST_PROXY: X-Forwarded-For is ignored unless set; true is one proxy; nonsense is a clear error', () => {
    assert.equal(resolveHostedSettings({}, PG).trustedProxies, 0);
    assert.equal(resolveHostedSettings({}, { ...PG, DEMENTIA_TRUST_PROXY: 'false' }).trustedProxies, 0);
    assert.equal(resolveHostedSettings({}, { ...PG, DEMENTIA_TRUST_PROXY: 'true' }).trustedProxies, 1);
    assert.equal(resolveHostedSettings({}, { ...PG, DEMENTIA_TRUST_PROXY: '2' }).trustedProxies, 2);
    assert.throws(
      () => resolveHostedSettings({}, { ...PG, DEMENTIA_TRUST_PROXY: 'yes please' }),
      (error: unknown) =>
        error instanceof UserError &&
        error.code === 'INVALID_SETTING' &&
        /DEMENTIA_TRUST_PROXY "yes please"/.test(error.message) &&
        /Set it to 1/.test(error.fix ?? ''),
    );
  });

  it('a public URL on plain http is refused unless it is this machine (clients will not sign in over http)', async () => {
    const pool = {} as pg.Pool;
    const deps = { pool, tenants: new TenantDirectory(pool), clients: new RemoteClientDirectory(pool), clock: systemClock, logger: silentLogger };
    await assert.rejects(
      createHostedAuth({ ...deps, publicUrl: new URL('http://memory.example.com') }),
      (error: unknown) => error instanceof UserError && error.code === 'INVALID_SETTING' && /https/.test(error.fix ?? ''),
    );
  });

  it('the logger masks API keys too', () => {
    const lines: string[] = [];
    createLogger((line) => lines.push(line)).warn('oops', { key: 'dmk_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd' });
    assert.doesNotMatch(lines[0]!, /AbCdEfGh/);
    assert.match(lines[0]!, /dmk_\[redacted\]/);
  });
});
