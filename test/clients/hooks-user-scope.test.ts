// Issue 15.8: `hooks install claude-code` without --repo (the user-scope path) says what it did, and
// the installed hook finds a project pinned the way `claude mcp add --scope local` pins it.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/gateway/clock.ts';
import { Gateway } from '../../src/gateway/gateway.ts';
import { silentLogger } from '../../src/gateway/logger.ts';
import { resolveSettings } from '../../src/gateway/settings.ts';
import { connectClient, tempDir } from '../helpers/gateway-harness.ts';
import { cli } from './processes.ts';

describe('the Claude Code hook at user scope', () => {
  const root = tempDir();
  const home = join(root, 'home');
  const shop = join(root, 'src', 'shop');
  const dataDir = join(root, 'data');
  mkdirSync(home);
  mkdirSync(join(shop, 'app'), { recursive: true });
  const env = { HOME: home, XDG_CONFIG_HOME: '', DEMENTIA_DATA_DIR: dataDir, DEMENTIA_PORT: '47994' };
  let gateway: Gateway;
  before(async () => {
    gateway = await Gateway.start({ settings: { ...resolveSettings({}, {}), port: 0, dataDir }, clock: new ManualClock(), logger: silentLogger, writeRuntimeFile: false });
  });
  after(async () => {
    await gateway.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('says where it installed the hook and what it does; a second run says it is already there', async () => {
    const first = await cli(['hooks', 'install', 'claude-code', '--write'], env);
    assert.equal(first.code, 0, first.stderr);
    const settings = join(home, '.claude', 'settings.json');
    assert.match(
      first.stdout,
      new RegExp(`^Installed the SessionStart hook in ${settings.replace(/[.]/g, '\\.')} \\(user scope: every Claude Code conversation on this machine\\)\\.\\nEach new Claude Code conversation starts with the waiting handover of the project pinned for its folder`),
    );
    assert.match(JSON.parse(readFileSync(settings, 'utf8')).hooks.SessionStart[0].hooks[0].command, /handover show --hook$/);
    const again = await cli(['hooks', 'install', 'claude-code', '--write'], env);
    assert.equal(again.stdout, `The SessionStart hook is already installed in ${settings} (user scope: every Claude Code conversation on this machine); nothing was changed.\n`);
  });

  it('the hook finds a project pinned with claude mcp add --scope local (in ~/.claude.json), from a subfolder too', async () => {
    const { token } = gateway.services.clients.add('Claude Code', 'claude-code', null);
    gateway.services.projects.create('shop');
    const c = await connectClient(new URL(gateway.mcpUrl), token, { headers: { 'X-Dementia-Project': 'shop' } });
    await c.call('end_session', { summary: 'Checkout works.', next_steps: ['add refunds'] });
    await c.close();
    writeFileSync(join(home, '.claude.json'), JSON.stringify({ projects: { [shop]: { mcpServers: { dementia: { type: 'http', url: gateway.mcpUrl, headers: { Authorization: `Bearer ${token}`, 'X-Dementia-Project': 'shop' } } } } } }));
    const hook = await cli(['handover', 'show', '--hook'], env, join(shop, 'app'));
    assert.equal(hook.code, 0, hook.stderr);
    assert.match(hook.stdout, /^Last handover of project "shop" \(Dementia Companion\): Claude Code, ended [\s\S]*add refunds/);
    const elsewhere = await cli(['handover', 'show', '--hook'], env, home);
    assert.equal(elsewhere.stdout, '', 'no pin in the home folder: nothing');
  });
});
