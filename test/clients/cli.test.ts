// The CLI for terminal users (issue 4): config writers, handover show, the SessionStart hook, all
// with --json, plain text without colour when not on a terminal.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/gateway/clock.ts';
import { Gateway } from '../../src/gateway/gateway.ts';
import { silentLogger } from '../../src/gateway/logger.ts';
import { resolveSettings } from '../../src/gateway/settings.ts';
import { connectClient, tempDir } from '../helpers/gateway-harness.ts';
import { CLI, cli } from './processes.ts';

describe('CLI', () => {
  const root = tempDir();
  const home = join(root, 'home');
  const repo = join(root, 'repo');
  const dataDir = join(root, 'data');
  mkdirSync(home);
  mkdirSync(join(repo, 'src', 'deep'), { recursive: true });
  // No running gateway: DEMENTIA_PORT names the port clients will use.
  const env = { HOME: home, XDG_CONFIG_HOME: '', DEMENTIA_DATA_DIR: dataDir, DEMENTIA_PORT: '47999' };
  let gateway: Gateway;
  before(async () => {
    gateway = await Gateway.start({
      settings: { ...resolveSettings({}, {}), port: 0, dataDir },
      clock: new ManualClock(),
      logger: silentLogger,
      writeRuntimeFile: false,
    });
  });
  after(async () => {
    await gateway.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('config previews by default: a diff with a placeholder token, nothing written, no token spent', async () => {
    const preview = await cli(['config', 'cursor'], env);
    assert.equal(preview.code, 0, preview.stderr);
    assert.match(preview.stdout, /\+\s+"Authorization": "Bearer <token issued on --write>"/);
    assert.match(preview.stdout, /Nothing was changed\. Add --write/);
    assert.ok(!preview.stdout.includes('\u001b['), 'no colour when stdout is not a terminal');
    assert.ok(!existsSync(join(home, '.cursor', 'mcp.json')));
    const json = JSON.parse((await cli(['config', 'cursor', '--json'], env)).stdout) as { written: boolean; path: string; diff: string };
    assert.equal(json.written, false);
    assert.equal(json.path, join(home, '.cursor', 'mcp.json'));
    assert.equal(gateway.services.clients.byName('Cursor'), undefined, 'a preview registers nothing');
  });

  it('config --write registers the client and writes 0600 with its token; writing again keeps that token', async () => {
    const first = JSON.parse((await cli(['config', 'cursor', '--write', '--json'], env)).stdout) as {
      token: string;
      created: boolean;
      path: string;
      backupPath: string | null;
    };
    assert.equal(first.created, true);
    assert.equal(first.backupPath, null);
    assert.equal(statSync(first.path).mode & 0o777, 0o600);
    assert.equal(JSON.parse(readFileSync(first.path, 'utf8')).mcpServers.dementia.headers.Authorization, `Bearer ${first.token}`);
    const c = await connectClient(new URL(gateway.mcpUrl), first.token);
    assert.equal((await c.call('session_status')).isError, undefined, 'the written token works');
    await c.close();

    const second = await cli(['config', 'cursor', '--write'], env);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, `Kept the token of "Cursor" (from ~/.cursor/mcp.json).\n${first.path} was already up to date.\n`);
    // Another port changes the file: a backup, and still the same, working token.
    const moved = await cli(['config', 'cursor', '--write'], { ...env, DEMENTIA_PORT: '47998' });
    assert.match(moved.stdout, /Wrote .*mcp\.json \(backup: .*dementia-backup\)/);
    assert.equal(JSON.parse(readFileSync(first.path, 'utf8')).mcpServers.dementia.headers.Authorization, `Bearer ${first.token}`);
    assert.ok(gateway.services.clients.authenticate(first.token));
    assert.equal(readdirSync(join(home, '.cursor')).filter((name) => name.endsWith('.dementia-backup')).length, 1);
  });

  it('config claude-desktop writes the bridge command (this Node, this CLI) without a token', async () => {
    const result = JSON.parse((await cli(['config', 'claude-desktop', '--write', '--json'], env)).stdout) as { path: string; created: boolean };
    assert.equal(result.path, join(home, '.config', 'Claude', 'claude_desktop_config.json'));
    const entry = JSON.parse(readFileSync(result.path, 'utf8')).mcpServers.dementia as { command: string; args: string[]; env: Record<string, string> };
    assert.equal(entry.command, process.execPath);
    assert.deepEqual(entry.args, [CLI, 'connect', '--client', 'Claude Desktop']);
    assert.deepEqual(entry.env, { DEMENTIA_DATA_DIR: dataDir, DEMENTIA_PORT: '47999' });
    assert.ok(gateway.services.clients.byName('Claude Desktop'));
  });

  it('config claude-code --repo pins a project in .mcp.json; handover show finds it from any folder below', async () => {
    const written = await cli(['config', 'claude-code', '--repo', repo, '--project', 'App', '--write'], env);
    assert.equal(written.code, 0, written.stderr);
    assert.match(
      written.stdout,
      /^Created the project "app"\.\nRegistered the client "Claude Code \(repo\)" \(claude-code\)\.\nWrote .*\.mcp\.json\.\n.mcp\.json holds a token and is not in a git repository/,
    );
    const mcpJson = JSON.parse(readFileSync(join(repo, '.mcp.json'), 'utf8'));
    assert.equal(mcpJson.mcpServers.dementia.headers['X-Dementia-Project'], 'app');

    const none = await cli(['handover', 'show'], env, join(repo, 'src', 'deep'));
    assert.equal(none.stdout, 'No handover yet for project "app".\n');
    const token = mcpJson.mcpServers.dementia.headers.Authorization.slice('Bearer '.length) as string;
    const c = await connectClient(new URL(gateway.mcpUrl), token, { headers: { 'X-Dementia-Project': 'app' } });
    await c.call('lock_context', { topic: 'db', content: 'Postgres 17' });
    await c.call('end_session', { summary: 'Chose the database.', next_steps: ['write the migration'] });
    await c.close();

    const shown = JSON.parse((await cli(['handover', 'show', '--json'], env, join(repo, 'src', 'deep'))).stdout) as {
      project: string;
      handover: { summary: string };
    };
    assert.equal(shown.project, 'app');
    assert.match(shown.handover.summary, /Chose the database\./);
    const hook = await cli(['handover', 'show', '--hook'], env, repo);
    assert.equal(hook.code, 0);
    assert.match(
      hook.stdout,
      /^Last handover of project "app" \(Dementia Companion\): Claude Code \(repo\), ended .*\n[\s\S]*write the migration[\s\S]*get_last_handover\(project="app"\)/,
    );
    assert.doesNotMatch(hook.stdout, /for the full record/, 'the hook printed the whole handover (issue 21.11)');
    assert.match(hook.stdout, /\n\(That is the whole handover; get_last_handover\(project="app"\) reads it again\.\)\n$/);
    const elsewhere = await cli(['handover', 'show', '--hook'], env, home);
    assert.deepEqual([elsewhere.code, elsewhere.stdout, elsewhere.stderr], [0, '', ''], 'a hook outside a pinned repository prints nothing');
    const explicit = await cli(['handover', 'show', '--project', 'nope'], env, home);
    assert.equal(explicit.stdout, 'No handover yet for project "nope".\n');
  });

  it('config claude-code --repo without a project offers the local-scope command, to run in that repository (issue 21.3)', async () => {
    const other = join(root, 'other-repo');
    mkdirSync(other);
    const preview = await cli(['config', 'claude-code', '--repo', other], env);
    assert.equal(preview.code, 0, preview.stderr);
    assert.match(preview.stdout, new RegExp(`run the command in ${other} instead \\(local scope`));
    assert.match(preview.stdout, /Command:\nclaude mcp add --transport http --scope local dementia /);
    assert.doesNotMatch(preview.stdout, /--scope user/);
  });

  it('config claude-code --repo --project says the pin waits for approval of .mcp.json, and how to avoid that (issue 21.5)', async () => {
    const pinned = join(root, 'pinned-repo');
    mkdirSync(pinned);
    const preview = await cli(['config', 'claude-code', '--repo', pinned, '--project', 'app'], env);
    assert.match(preview.stdout, /Claude Code uses a new \.mcp\.json only after you approve it: start claude in .*pinned-repo and accept "dementia"/);
    assert.match(preview.stdout, /Local scope needs no approval/);
  });

  it('config claude-code --write for a client Claude Code already has: nothing to run, no token to issue (issue 21.4)', async () => {
    const first = JSON.parse((await cli(['config', 'claude-code', '--write', '--json'], env)).stdout) as { token: string; command: string };
    assert.match(first.command, /--scope user/);
    // What `claude mcp add --scope user` leaves in ~/.claude.json.
    const state = { mcpServers: { dementia: { type: 'http', url: 'http://127.0.0.1:47999/mcp', headers: { Authorization: `Bearer ${first.token}` } } } };
    writeFileSync(join(home, '.claude.json'), JSON.stringify(state));
    const preview = await cli(['config', 'claude-code'], env);
    assert.match(preview.stdout, /already configured, nothing to run/);
    assert.doesNotMatch(preview.stdout, /Add --write/);
    const again = await cli(['config', 'claude-code', '--write'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /already configured, nothing to run/);
    assert.doesNotMatch(again.stdout, /Run this|claude mcp add/);
    // A different entry under the same name: the command would fail, so say what to remove first.
    writeFileSync(join(home, '.claude.json'), JSON.stringify({ mcpServers: { dementia: { ...state.mcpServers.dementia, url: 'http://127.0.0.1:1/mcp' } } }));
    const differs = await cli(['config', 'claude-code', '--write'], env);
    assert.match(differs.stdout, /claude mcp remove --scope user dementia/);
    rmSync(join(home, '.claude.json'));
  });

  it('a .gitignore that is a symbolic link out of the repository is never written through unconfirmed (issue 21.14)', async () => {
    const outside = join(root, 'outside');
    const linked = join(root, 'linked-repo');
    mkdirSync(outside);
    mkdirSync(linked);
    execFileSync('git', ['init', '-q'], { cwd: linked });
    writeFileSync(join(outside, 'victim.txt'), 'precious\n');
    symlinkSync('../outside/victim.txt', join(linked, '.gitignore'));
    const preview = await cli(['config', 'claude-code', '--repo', linked], env);
    assert.match(preview.stdout, /\.gitignore is a symbolic link to .*outside\/victim\.txt/);
    const written = await cli(['config', 'claude-code', '--repo', linked, '--write'], env);
    assert.equal(written.code, 2, written.stdout);
    assert.match(written.stderr, /\.gitignore is a symbolic link to .*victim\.txt.*Nothing was written/);
    assert.equal(readFileSync(join(outside, 'victim.txt'), 'utf8'), 'precious\n', 'the victim is untouched');
    assert.ok(!existsSync(join(linked, '.mcp.json')), 'no config with a token left un-ignored');
    assert.equal(gateway.services.clients.byName('Claude Code (linked-repo)'), undefined, 'no client registered');
  });

  it('a relative --repo is resolved before anything is written: a non-git folder never touches the current checkout (issue 21.14)', async () => {
    const checkout = join(root, 'checkout');
    const sibling = join(root, 'sibling');
    mkdirSync(checkout);
    mkdirSync(sibling);
    execFileSync('git', ['init', '-q'], { cwd: checkout });
    const written = await cli(['config', 'cursor', '--repo', '../sibling', '--write'], env, checkout);
    assert.equal(written.code, 0, written.stderr);
    assert.ok(existsSync(join(sibling, '.cursor', 'mcp.json')));
    assert.ok(!existsSync(join(checkout, '.gitignore')), "the current checkout's .gitignore is not touched");
    const missing = await cli(['config', 'cursor', '--repo', '../nowhere'], env, checkout);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--repo \.\.\/nowhere \(.*nowhere\) is not a folder/);
  });

  it('hooks install claude-code shows the change first, writes it on --write, and only once', async () => {
    const preview = await cli(['hooks', 'install', 'claude-code', '--repo', repo], env);
    assert.match(preview.stdout, /SessionStart/);
    assert.match(preview.stdout, /Nothing was changed\. Add --write to install it\./);
    assert.ok(!existsSync(join(repo, '.claude', 'settings.json')));
    const written = JSON.parse((await cli(['hooks', 'install', 'claude-code', '--repo', repo, '--write', '--json'], env)).stdout) as {
      written: boolean;
      path: string;
    };
    assert.equal(written.written, true);
    const settings = JSON.parse(readFileSync(written.path, 'utf8'));
    assert.match(settings.hooks.SessionStart[0].hooks[0].command, /handover show --hook$/);
    const again = await cli(['hooks', 'install', 'claude-code', '--repo', repo], env);
    assert.match(
      again.stdout,
      /^The SessionStart hook is already installed in .*settings\.json \(this repository's Claude Code conversations\); nothing was changed\.\n$/,
    );
  });

  it('explains mistakes with a fix and exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [['connect'], /connect needs --client NAME \(or a token in DEMENTIA_TOKEN or --token-file FILE\)\. Fix: Run: dementia connect --client/],
      [['config'], /config needs a client kind/],
      [['config', 'emacs'], /Unknown client kind "emacs"\. Fix: Use one of: claude-desktop, claude-code, cursor, vscode, other\./],
      [['hooks', 'install', 'cursor'], /Use: dementia hooks install claude-code/],
      [['handover', 'show'], /No project given and this folder pins none/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(args, env, home);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr, message);
    }
  });
});
