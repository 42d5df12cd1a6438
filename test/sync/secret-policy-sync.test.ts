// A project's secret handling travels with the project row: set on the desktop, the hosted server
// applies it; changed on the hosted server, the desktop applies it after its next pull.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/gateway/clock.ts';
import { hostedSide } from '../gateway/hosted/hosted-side.ts';
import { disposeSharedPostgres, sharedPostgres, type SharedPostgres } from '../helpers/postgres.ts';
import { textOf } from '../helpers/gateway-harness.ts';
import { fakeCredentials } from '../fixtures/secrets/samples.ts';
import { settle, startMachine } from './sync-harness.ts';

const npmToken = fakeCredentials()['npm-token']![0]!;

let server: SharedPostgres;
before(async () => {
  server = await sharedPostgres();
});
after(() => disposeSharedPostgres());

describe('secret handling syncs with the project (DESIGN 7, 14)', { timeout: 60_000 }, () => {
  it('mask set on the desktop masks on the hosted server; refuse set there refuses on the desktop', async () => {
    const database = await server.createDatabase('secret_policy_sync');
    const apiKey = `secret-policy-${process.pid}-${'k'.repeat(24)}`;
    const clock = new ManualClock();
    const desktop = await startMachine({ pgUrl: server.url(database), apiKey, clock });
    const hosted = await hostedSide(server.url(database), apiKey, clock);
    try {
      await desktop.ok('create_project', { name: 'shared' });
      clock.advanceMinutes(1);
      await desktop.ok('set_secret_handling', { project: 'shared', mode: 'mask' });
      await settle(desktop);
      const masked = await hosted.ok('lock_context', { project: 'shared', topic: 'publish', content: `npm token ${npmToken}` });
      assert.match(masked, /A credential was masked before storing/);
      assert.doesNotMatch(masked, new RegExp(npmToken));

      clock.advanceMinutes(1);
      await hosted.ok('set_secret_handling', { project: 'shared', mode: 'refuse' });
      await settle(desktop);
      const refused = await desktop.call('lock_context', { project: 'shared', topic: 'publish2', content: `npm token ${npmToken}` });
      assert.equal(refused.isError, true);
      assert.ok(textOf(refused).startsWith('Error SECRET_DETECTED'), textOf(refused));
      assert.match(await desktop.ok('recall_context', { project: 'shared', topic: 'publish' }), /npm token \[REDACTED:npm-token\]/);
    } finally {
      await hosted.close();
      await desktop.stop({ remove: true });
    }
  });
});
