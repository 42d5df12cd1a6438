// Issue 15.8: `hooks install claude-code` without --repo (the user-scope path) says what it did, and
// the installed hook finds a project pinned the way `claude mcp add --scope local` pins it.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '../../src/gateway/gateway.ts';
import { startCliWorld, type CliWorld } from '../helpers/cli-world.ts';
import { connectClient } from '../helpers/gateway-harness.ts';
import { cli } from './processes.ts';

describe('the Claude Code hook at user scope', () => {
  let world: CliWorld;
  let gateway: Gateway;
  let env: Record<string, string>;
  let home: string;
  let shop: string;
  before(async () => {
    world = await startCliWorld(47994);
    ({ gateway, env, home } = world);
    shop = join(world.root, 'src', 'shop');
    mkdirSync(join(shop, 'app'), { recursive: true });
  });
  after(() => world.close());

  it('says where it installed the hook and what it does; a second run says it is already there', async () => {
    const first = await cli(['hooks', 'install', 'claude-code', '--write'], env);
    assert.equal(first.code, 0, first.stderr);
    const settings = join(home, '.claude', 'settings.json');
    assert.match(
      first.stdout,
      new RegExp(
        `^Installed the SessionStart hook in ${settings.replace(/[.]/g, '\\.')} \\(user scope: every Claude Code conversation on this machine\\)\\.\\nEach new Claude Code conversation starts with the waiting handover of the project pinned for its folder`,
      ),
    );
    assert.match(JSON.parse(readFileSync(settings, 'utf8')).hooks.SessionStart[0].hooks[0].command, /handover show --hook$/);
    const again = await cli(['hooks', 'install', 'claude-code', '--write'], env);
    assert.equal(
      again.stdout,
      `The SessionStart hook is already installed in ${settings} (user scope: every Claude Code conversation on this machine); nothing was changed.\n`,
    );
  });

  it('the hook finds a project pinned with claude mcp add --scope local (in ~/.claude.json), from a subfolder too', async () => {
    const { token } = gateway.services.clients.add('Claude Code', 'claude-code', null);
    gateway.services.projects.create('shop');
    const c = await connectClient(new URL(gateway.mcpUrl), token, { headers: { 'X-Dementia-Project': 'shop' } });
    await c.call('end_session', { summary: 'Checkout works.', next_steps: ['add refunds'] });
    await c.close();
    writeFileSync(
      join(home, '.claude.json'),
      JSON.stringify({
        projects: {
          [shop]: {
            mcpServers: { dementia: { type: 'http', url: gateway.mcpUrl, headers: { Authorization: `Bearer ${token}`, 'X-Dementia-Project': 'shop' } } },
          },
        },
      }),
    );
    const hook = await cli(['handover', 'show', '--hook'], env, join(shop, 'app'));
    assert.equal(hook.code, 0, hook.stderr);
    assert.match(hook.stdout, /^Last handover of project "shop" \(Dementia Companion\): Claude Code, ended [\s\S]*add refunds/);
    const elsewhere = await cli(['handover', 'show', '--hook'], env, home);
    assert.equal(elsewhere.stdout, '', 'no pin in the home folder: nothing');
  });
});
