// Issue 15.8: `clients rotate-token` says where the old token still is and prints the command that
// puts the new one there; running that command makes the client work again.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '../../src/gateway/gateway.ts';
import { startCliWorld, type CliWorld } from '../helpers/cli-world.ts';
import { cli } from './processes.ts';

describe('clients rotate-token', () => {
  let world: CliWorld;
  let gateway: Gateway;
  let env: Record<string, string>;
  let home: string;
  before(async () => {
    world = await startCliWorld(47995);
    ({ gateway, env, home } = world);
  });
  after(() => world.close());

  it('names the config that still holds the old token and prints the command that updates it', async () => {
    await cli(['config', 'cursor', '--write'], env);
    const file = join(home, '.cursor', 'mcp.json');
    const rotated = await cli(['clients', 'rotate-token', 'Cursor'], env);
    assert.equal(rotated.code, 0, rotated.stderr);
    const token = /New token for Cursor \(the old one stopped working\): (dct_\S+)\n/.exec(rotated.stdout)?.[1];
    assert.ok(token);
    assert.match(
      rotated.stdout,
      /The old token is still in: ~\/\.cursor\/mcp\.json\. Update the client:\n {2}dementia config cursor --client "Cursor" --token dct_\S+ --write\n/,
    );
    const command = /\n {2}(dementia config cursor [^\n]+ --write)\n/.exec(rotated.stdout)![1]!;
    const args = command
      .split(' ')
      .slice(1)
      .map((arg) => arg.replace(/^"|"$/g, ''));
    const updated = await cli(args, env);
    assert.equal(updated.code, 0, updated.stderr);
    assert.match(updated.stdout, /^Used the token you gave, the current token of "Cursor"\.\nWrote /);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).mcpServers.dementia.headers.Authorization, `Bearer ${token}`);
    assert.equal(gateway.services.clients.authenticate(token!)?.name, 'Cursor');
  });

  it('clients add prints a config command that writes the new token as it is (no second token)', async () => {
    const added = await cli(['clients', 'add', 'VS Code'], env);
    const token = /Token \(shown once; keep it secret\): (dct_\S+)\n/.exec(added.stdout)![1]!;
    assert.ok(added.stdout.includes(`(or run: dementia config vscode --client "VS Code" --token ${token} --write):`), added.stdout);
    const written = await cli(['config', 'vscode', '--client', 'VS Code', '--token', token, '--write'], env);
    assert.equal(written.code, 0, written.stderr);
    assert.equal(gateway.services.clients.authenticate(token)?.name, 'VS Code', 'still the token clients add printed');
  });

  it('Claude Code: the remove and add commands of its user scope; Claude Desktop: nothing to update', async () => {
    await cli(['clients', 'add', 'Claude Code', '--kind', 'claude-code'], env);
    const code = JSON.parse((await cli(['clients', 'rotate-token', 'Claude Code', '--json'], env)).stdout) as { token: string; update: { steps: string[] } };
    assert.equal(code.update.steps[0], 'claude mcp remove --scope user dementia');
    assert.equal(
      code.update.steps[1],
      `claude mcp add --transport http --scope user dementia http://127.0.0.1:47995/mcp --header "Authorization: Bearer ${code.token}"`,
    );
    await cli(['clients', 'add', 'Claude Desktop', '--kind', 'claude-desktop'], env);
    const desktop = await cli(['clients', 'rotate-token', 'Claude Desktop'], env);
    assert.match(desktop.stdout, /Nothing to update: Claude Desktop's bridge \(connect --client "Claude Desktop"\) needs no token\./);
  });
});
