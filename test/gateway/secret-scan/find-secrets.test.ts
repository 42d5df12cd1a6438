// The detector itself: every kind of the labelled sample is found as its kind, ordinary text is
// left alone, masks cover the whole token, positions are 1-based lines and columns, and a scan
// settles without waiting for I/O (the local store runs it inside a SQLite transaction, where no
// other call may interleave).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';
import { ensureSecretScanner, findSecrets, maskFindings } from '../../../src/gateway/secret-scan/find-secrets.ts';
import { fakeCredentials, negativeSamples, positiveSamples } from '../../fixtures/secrets/samples.ts';

describe('findSecrets before the scanner is loaded', () => {
  // Loading waits for the disk: a path that scans inside a local transaction without having loaded
  // it first must fail here, loudly, instead of letting other calls interleave with the transaction.
  it('refuses with an internal error that names the fix', async () => {
    await assert.rejects(findSecrets('ghp_' + 'a'.repeat(36)), /not loaded yet; await ensureSecretScanner\(\)/);
  });
});

describe('findSecrets', () => {
  before(ensureSecretScanner);

  it('keeps nothing per scan: the performance buffer does not grow with every write (the gateway runs for weeks)', async () => {
    const marksBefore = performance.getEntriesByType('mark').length;
    for (let i = 0; i < 200; i++) await findSecrets(`owner=load client=${i} call=${i * 7}`);
    assert.equal(performance.getEntriesByType('mark').length, marksBefore);
  });

  it('finds every credential of the labelled sample, as its own kind', async () => {
    const missed = [];
    for (const sample of positiveSamples()) {
      const found = await findSecrets(sample.text);
      if (!found.some((f) => f.kind === sample.kind)) missed.push(`${sample.label}: ${found.map((f) => f.kind).join(', ') || 'nothing'}`);
    }
    assert.deepEqual(missed, []);
  });

  it('leaves ordinary memory alone; the one known false alarm is a documentation placeholder URL', async () => {
    const flagged = [];
    for (const sample of negativeSamples()) if ((await findSecrets(sample.text)).length > 0) flagged.push(sample.label);
    assert.deepEqual(flagged, ['example credentials']);
  });

  it('masks the whole token, also where a rule reports only its start (AWS secret keys)', async () => {
    const aws = fakeCredentials()['aws-key']![1]!; // "aws_secret_access_key = <40 chars>"
    const key = aws.split(' = ')[1]!;
    const text = `config:\n  ${aws.replace(' = ', '=')}\n  region=eu-west-1`;
    const found = await findSecrets(text);
    assert.deepEqual(
      found.map((f) => [f.kind, f.line, f.column]),
      [['aws-key', 2, 3]],
    );
    const masked = maskFindings(text, found);
    assert.equal(masked, 'config:\n  [REDACTED:aws-key]\n  region=eu-west-1');
    assert.ok(!masked.includes(key.slice(-8)));
  });

  it('keeps quotes around a masked token', async () => {
    const token = fakeCredentials()['github-token']![0]!;
    const text = `{"token": "${token}", "user": "ada"}`;
    assert.equal(maskFindings(text, await findSecrets(text)), '{"token": "[REDACTED:github-token]", "user": "ada"}');
  });

  it('settles before any I/O callback runs', async () => {
    let ioRan = false;
    setImmediate(() => (ioRan = true));
    const found = await findSecrets(`key: ${fakeCredentials()['npm-token']![0]!}`);
    assert.equal(found.length, 1);
    assert.equal(ioRan, false);
  });
});
