// Issue 15.8: `dementia status` when the gateway is stopped, and with a data folder that holds no data.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { systemClock } from '../../src/gateway/clock.ts';
import { createServices } from '../../src/gateway/services.ts';
import { DATABASE_FILE, openDatabase } from '../../src/gateway/store/database.ts';
import { tempDir } from '../helpers/gateway-harness.ts';
import { cli } from './processes.ts';

describe('status without a running gateway', () => {
  const root = tempDir();
  const env = { HOME: join(root, 'home'), XDG_CONFIG_HOME: '', DEMENTIA_PORT: '47997' };
  after(() => rmSync(root, { recursive: true, force: true }));

  it('a stopped gateway: no sign-in link that cannot work, and how to start it', async () => {
    const dataDir = join(root, 'data');
    await cli(['clients', 'add', 'Claude Code'], { ...env, DEMENTIA_DATA_DIR: dataDir });
    // Name, kind and id apart, not run together (issue 21.11).
    assert.match((await cli(['clients', 'list'], { ...env, DEMENTIA_DATA_DIR: dataDir })).stdout, /^Claude Code \(claude-code\) · id [0-9a-f-]{8,}\n$/);
    const text = await cli(['status'], { ...env, DEMENTIA_DATA_DIR: dataDir });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^Dementia Companion \S+: not running\. Start it with: npm start \(the desktop app\) or dementia serve \(headless\)\.\n/);
    assert.doesNotMatch(text.stdout, /auth\?code=|one-time link/);
    assert.match(text.stdout, /Status page: {2}once the gateway runs/);
    assert.match(text.stdout, /Claude Code claude-code: project none, not connected yet/);
    const json = JSON.parse((await cli(['status', '--json'], { ...env, DEMENTIA_DATA_DIR: dataDir })).stdout) as {
      running: boolean;
      statusUrl: string | null;
      dataFound: boolean;
      clients: unknown[];
    };
    assert.deepEqual([json.running, json.statusUrl, json.dataFound, json.clients.length], [false, null, true, 1]);
  });

  it('a data folder without data (a typo in --data-dir): says so and creates nothing there', async () => {
    const typo = join(root, 'dat');
    const text = await cli(['status', '--data-dir', typo], env);
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      /not running, and no data yet in .*dat \(nothing was created there\)\.\nIs that the folder you meant\? The default is .*Dementia Companion; --data-dir and DEMENTIA_DATA_DIR choose another\.\nStart it with/,
    );
    assert.equal(existsSync(typo), false, 'no folder, no database');
    const json = JSON.parse((await cli(['status', '--json', '--data-dir', typo], env)).stdout) as { dataFound: boolean; statusUrl: null; clients: unknown[] };
    assert.deepEqual([json.dataFound, json.statusUrl, json.clients], [false, null, []]);
    const existingEmpty = join(root, 'empty');
    await import('node:fs').then((fs) => fs.mkdirSync(existingEmpty));
    await cli(['status', '--data-dir', existingEmpty], env);
    assert.deepEqual(readdirSync(existingEmpty), [], 'an existing folder stays empty');
  });

  it('lists the clients on the hosted server, as the status page does (issue 21.2)', async () => {
    const dataDir = join(root, 'with-hosted');
    await cli(['clients', 'add', 'Claude Code'], { ...env, DEMENTIA_DATA_DIR: dataDir });
    const services = createServices(openDatabase(join(dataDir, DATABASE_FILE), systemClock), systemClock, 120);
    const lastSeenAt = Date.now() - 5 * 60_000;
    services.remoteClients.upsert({ id: 'remote-1', name: 'claude.ai', kind: 'claude-ai', createdAt: lastSeenAt, lastSeenAt, revokedAt: null });
    services.remoteClients.upsert({
      id: 'remote-2',
      name: 'Office Desktop',
      kind: 'claude-desktop',
      createdAt: lastSeenAt + 1,
      lastSeenAt: null,
      revokedAt: null,
    });
    services.db.close();
    const text = await cli(['status'], { ...env, DEMENTIA_DATA_DIR: dataDir });
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      /\nOn the hosted server:\nclaude\.ai claude-ai: last seen 5 min ago, no open session\nOffice Desktop claude-desktop: not seen yet, no open session\n$/,
    );
  });
});
