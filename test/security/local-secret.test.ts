// Issue 14, item 5: a local-secret of the wrong shape or mode is never used as is.
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Gateway } from '../../src/gateway/gateway.ts';
import { createLogger } from '../../src/gateway/logger.ts';
import { resolveSettings } from '../../src/gateway/settings.ts';
import { tempDir } from '../helpers/gateway-harness.ts';

const SECRET_SHAPE = /^dcl_[A-Za-z0-9_-]{43}$/;

/** Starts a real gateway on `dataDir` and returns what it logged at start-up. */
async function startOn(dataDir: string): Promise<{ gateway: Gateway; log: string[] }> {
  const log: string[] = [];
  const settings = { ...resolveSettings({}, {}), port: 0, dataDir };
  const gateway = await Gateway.start({ settings, logger: createLogger((line) => log.push(line)), writeRuntimeFile: false });
  return { gateway, log };
}

const secretFile = (dataDir: string) => join(dataDir, 'local-secret');

describe('local secret (issue 14 item 5)', () => {
  const parent = tempDir('dementia-secret-');
  after(() => rmSync(parent, { recursive: true, force: true }));

  it('a short secret in a world-readable file ("x", mode 644) is replaced by a new one, mode 0600, and the log says why', async () => {
    const dataDir = join(parent, 'short');
    mkdirSync(dataDir, { mode: 0o700 });
    writeFileSync(secretFile(dataDir), 'x\n');
    chmodSync(secretFile(dataDir), 0o644);
    const { gateway, log } = await startOn(dataDir);
    try {
      const onDisk = readFileSync(secretFile(dataDir), 'utf8').trim();
      assert.match(onDisk, SECRET_SHAPE, 'a real 32-byte secret replaced "x"');
      assert.equal(lstatSync(secretFile(dataDir)).mode & 0o777, 0o600);
      assert.equal(gateway.localSecret, onDisk, 'the gateway uses the new secret');
      assert.match(log.join('\n'), /local-secret .*replaced/i);
      assert.match(log.join('\n'), /mode 644|readable by other users/);
    } finally {
      await gateway.stop();
    }
  });

  it('a well-formed secret that other users could read (mode 644) is replaced: it may be known', async () => {
    const dataDir = join(parent, 'readable');
    mkdirSync(dataDir, { mode: 0o700 });
    const leaked = 'dcl_' + 'A'.repeat(43);
    writeFileSync(secretFile(dataDir), `${leaked}\n`, { mode: 0o644 });
    chmodSync(secretFile(dataDir), 0o644);
    const { gateway } = await startOn(dataDir);
    try {
      const onDisk = readFileSync(secretFile(dataDir), 'utf8').trim();
      assert.match(onDisk, SECRET_SHAPE);
      assert.notEqual(onDisk, leaked);
      assert.equal(lstatSync(secretFile(dataDir)).mode & 0o777, 0o600);
    } finally {
      await gateway.stop();
    }
  });

  it('a well-formed private secret is kept; a secret of the wrong length is replaced even at mode 0600', async () => {
    const dataDir = join(parent, 'lengths');
    mkdirSync(dataDir, { mode: 0o700 });
    const good = 'dcl_' + 'b'.repeat(43);
    writeFileSync(secretFile(dataDir), `${good}\n`, { mode: 0o600 });
    let started = await startOn(dataDir);
    assert.equal(started.gateway.localSecret, good);
    await started.gateway.stop();

    writeFileSync(secretFile(dataDir), `${'c'.repeat(40)}\n`, { mode: 0o600 });
    started = await startOn(dataDir);
    try {
      assert.match(readFileSync(secretFile(dataDir), 'utf8').trim(), SECRET_SHAPE);
      assert.match(started.log.join('\n'), /not a valid secret/);
    } finally {
      await started.gateway.stop();
    }
  });

  it('a local-secret that is a symbolic link is replaced by a private file; the link target is not touched', async () => {
    const dataDir = join(parent, 'linked');
    mkdirSync(dataDir, { mode: 0o700 });
    const elsewhere = join(parent, 'someone-elses-file');
    writeFileSync(elsewhere, 'dcl_' + 'd'.repeat(43), { mode: 0o644 });
    chmodSync(elsewhere, 0o644);
    symlinkSync(elsewhere, secretFile(dataDir));
    const { gateway } = await startOn(dataDir);
    try {
      assert.ok(lstatSync(secretFile(dataDir)).isFile(), 'a regular file now');
      assert.match(readFileSync(secretFile(dataDir), 'utf8').trim(), SECRET_SHAPE);
      assert.equal(readFileSync(elsewhere, 'utf8'), 'dcl_' + 'd'.repeat(43), 'the target keeps its content');
      assert.equal(lstatSync(elsewhere).mode & 0o777, 0o644, 'and its mode');
    } finally {
      await gateway.stop();
    }
  });
});
