// Issue 15.2 (the CLI, real processes): connecting never rotates a token behind the user's back. A
// preview changes nothing; an existing client is reused with the token its configs already hold; a
// repository pin gets its own client and leaves the user's other entries working; a new token is
// issued only with --rotate-token, after the preview said what stops working; .mcp.json stays out
// of git; the scope hints match Claude Code's scopes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '../../src/gateway/gateway.ts';
import { startCliWorld, type CliWorld } from '../helpers/cli-world.ts';
import { connectClient, textOf } from '../helpers/gateway-harness.ts';
import { cli } from './processes.ts';

/** Every file under a folder with its content: "nothing changed" is this, before and after. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const path = join(dir, name);
    if (statSync(path).isFile()) files[name] = readFileSync(path, 'utf8');
  }
  return files;
}

const bearer = (path: string, group = 'mcpServers') =>
  (JSON.parse(readFileSync(path, 'utf8'))[group].dementia.headers.Authorization as string).replace(/^Bearer /, '');

describe("config: no token changes behind the user's back", () => {
  let world: CliWorld;
  let gateway: Gateway;
  let env: Record<string, string>;
  let root: string;
  let home: string;
  let repo: string;
  const works = async (token: string, headers: Record<string, string> = {}) => {
    const c = await connectClient(new URL(gateway.mcpUrl), token, { headers });
    try {
      return textOf(await c.call('session_status'));
    } finally {
      await c.close();
    }
  };

  before(async () => {
    world = await startCliWorld(47996);
    ({ gateway, env, root, home } = world);
    repo = join(root, 'webshop');
    mkdirSync(repo);
    execFileSync('git', ['init', '-q'], { cwd: repo });
    gateway.services.projects.create('webshop');
  });
  after(() => world.close());

  it('a preview never changes anything, for a new client and for an existing one', async () => {
    const files = [snapshot(home), snapshot(repo)];
    const clients = gateway.services.clients.list();
    for (const args of [
      ['config', 'cursor'],
      ['config', 'claude-code'],
      ['config', 'vscode', '--repo', repo, '--project', 'webshop'],
      ['config', 'cursor', '--json'],
    ]) {
      const result = await cli(args, env);
      assert.equal(result.code, 0, result.stderr);
    }
    assert.deepEqual([snapshot(home), snapshot(repo)], files, 'no file written');
    assert.deepEqual(gateway.services.clients.list(), clients, 'no client registered, no token issued');
  });

  it('the user-scope Claude Code entry keeps working when a repository is pinned: the repository gets its own client', async () => {
    const registered = JSON.parse((await cli(['config', 'claude-code', '--write', '--json'], env)).stdout) as {
      token: string;
      command: string;
      created: boolean;
    };
    assert.equal(registered.created, true);
    assert.match(registered.command, /--scope user dementia/);
    // What `claude mcp add --scope user` stores: ~/.claude.json, top-level mcpServers.
    writeFileSync(
      join(home, '.claude.json'),
      JSON.stringify({
        numStartups: 3,
        mcpServers: { dementia: { type: 'http', url: gateway.mcpUrl, headers: { Authorization: `Bearer ${registered.token}` } } },
      }),
    );

    const preview = await cli(['config', 'claude-code', '--repo', repo, '--project', 'webshop'], env);
    assert.match(preview.stdout, /Client: "Claude Code \(webshop\)" \(new, claude-code\)/);
    assert.match(preview.stdout, /- Adds \/\.mcp\.json to .*webshop\/\.gitignore: the file holds a token\./);
    assert.doesNotMatch(preview.stdout, /Warning|Issued a new token|Run this too/);

    const written = await cli(['config', 'claude-code', '--repo', repo, '--project', 'webshop', '--write'], env);
    assert.equal(written.code, 0, written.stderr);
    assert.doesNotMatch(written.stdout, /new token|stopped working/);
    assert.match(await works(registered.token), /Client: Claude Code \(claude-code\)/, 'the user-scope token still works');
    const repoToken = bearer(join(repo, '.mcp.json'));
    assert.notEqual(repoToken, registered.token);
    assert.match(await works(repoToken, { 'X-Dementia-Project': 'webshop' }), /Client: Claude Code \(webshop\)[\s\S]*on "webshop"/);
    assert.match(readFileSync(join(repo, '.gitignore'), 'utf8'), /^# Dementia Companion: holds a client token\n\/\.mcp\.json\n$/);
    assert.equal(execFileSync('git', ['status', '--porcelain', '--', '.mcp.json'], { cwd: repo, encoding: 'utf8' }), '', 'git does not see .mcp.json');
  });

  it('naming an existing client reuses its token from the config that holds it: no "Name 2", nothing breaks', async () => {
    const before = gateway.services.clients.list().length;
    const pinned = await cli(['config', 'claude-code', '--client', 'Claude Code', '--repo', repo, '--project', 'webshop'], env);
    assert.match(
      pinned.stdout,
      /Client: "Claude Code" \(existing, claude-code\)\n- Uses the current token of "Claude Code", found in Claude Code, user scope \(~\/\.claude\.json\): nothing that works now stops working\./,
    );
    const json = JSON.parse(
      (await cli(['config', 'claude-code', '--client', 'Claude Code', '--repo', repo, '--project', 'webshop', '--write', '--json'], env)).stdout,
    ) as { rotated: boolean; created: boolean; token: string };
    assert.deepEqual([json.rotated, json.created], [false, false]);
    assert.equal(bearer(join(repo, '.mcp.json')), json.token);
    assert.ok(gateway.services.clients.authenticate(json.token));
    assert.equal(gateway.services.clients.list().length, before);
  });

  it('a new token only with --rotate-token, after the preview said what it breaks', async () => {
    const vscode = JSON.parse((await cli(['config', 'vscode', '--write', '--json'], env)).stdout) as { token: string; path: string };
    rmSync(vscode.path); // The token now lives nowhere this app can read (pasted by hand elsewhere).
    const preview = await cli(['config', 'vscode'], env);
    assert.match(
      preview.stdout,
      /Warning: "VS Code" already has a token, and none of the configs this app can read holds it \(checked: .*\)\. Writing issues a new token: the current one stops working wherever "VS Code" is still configured with it\./,
    );
    assert.match(preview.stdout, /Add --write --rotate-token to write it/);
    const refused = await cli(['config', 'vscode', '--write'], env);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /Nothing was changed\. Fix: Confirm that a new token may replace it/);
    assert.ok(gateway.services.clients.authenticate(vscode.token), 'still works');
    const rotated = await cli(['config', 'vscode', '--write', '--rotate-token'], env);
    assert.match(rotated.stdout, /^Issued a new token for "VS Code"; its old token stopped working\.\nWrote /);
    assert.equal(gateway.services.clients.authenticate(vscode.token), undefined);
    assert.ok(gateway.services.clients.authenticate(bearer(vscode.path, 'servers')));
  });

  it('a name that belongs to a client of another kind is refused; nothing changes', async () => {
    await cli(['config', 'cursor', '--write'], env);
    const cursorToken = bearer(join(home, '.cursor', 'mcp.json'));
    const result = await cli(['config', 'claude-code', '--client', 'Cursor', '--write'], env);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /A client named "Cursor" already exists and is a cursor client; nothing was changed\./);
    assert.equal(gateway.services.clients.byName('Cursor')?.kind, 'cursor');
    assert.ok(gateway.services.clients.authenticate(cursorToken));
  });

  it('a .mcp.json that git already tracks: the user is told to untrack it', async () => {
    const other = join(root, 'tracked');
    mkdirSync(other);
    execFileSync('git', ['init', '-q'], { cwd: other });
    writeFileSync(join(other, '.mcp.json'), '{"mcpServers": {}}\n');
    execFileSync('git', ['add', '.mcp.json'], { cwd: other });
    const result = await cli(['config', 'claude-code', '--repo', other, '--project', 'webshop', '--write'], env);
    assert.match(
      result.stdout,
      /git already tracks \.mcp\.json, and it will hold a token: run `git rm --cached \.mcp\.json` and commit \(this adds \/\.mcp\.json to \.gitignore\)/,
    );
    assert.match(readFileSync(join(other, '.gitignore'), 'utf8'), /\/\.mcp\.json/);
  });

  it('scope hints: a pin without a repository is local scope, run in that repository; user scope otherwise', async () => {
    const local = await cli(['config', 'claude-code', '--client', 'Claude Code', '--project', 'webshop'], env);
    assert.match(
      local.stdout,
      /^Run the command in the folder of the repository this project belongs to: local scope applies to that folder only and is kept in ~\/\.claude\.json, not in git\./,
    );
    assert.match(local.stdout, /claude mcp add --transport http --scope local dementia .* --header "X-Dementia-Project: webshop"/);
    const user = await cli(['config', 'claude-code', '--client', 'Claude Code'], env);
    assert.match(user.stdout, /^Run the command once: user scope, so Claude Code connects in every folder/);
    assert.match(user.stdout, /--scope user dementia/);
    const repoHint = await cli(['config', 'claude-code', '--repo', repo, '--project', 'webshop'], env);
    assert.match(
      repoHint.stdout,
      /Or, to keep the token out of the repository folder: run the command in .*webshop instead \(local scope: only you, only that folder, kept in ~\/\.claude\.json\)\./,
    );
  });

  it('an unknown project is refused with a did-you-mean; --create-project creates it', async () => {
    const typo = await cli(['config', 'cursor', '--project', 'webshp'], env);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /Project "webshp" does not exist; nothing was changed\. Fix: Did you mean "webshop"\?/);
    mkdirSync(join(root, 'new-app')); // --repo names an existing folder (issue 21.14)
    const made = await cli(['config', 'cursor', '--repo', join(root, 'new-app'), '--project', 'new-app', '--create-project', '--write'], env);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /^Created the project "new-app"\.\nRegistered the client "Cursor \(new-app\)"/);
    assert.ok(gateway.services.projects.exists('new-app'));
  });
});
