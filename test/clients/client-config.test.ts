// Config writers (issue 4): each writer against fixture files of the real formats.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'jsonc-parser';
import { planClaudeCodeHook } from '../../src/gateway/client-config/claude-code-hook.ts';
import { applyClientConfig, planClientConfig, resolveBridgeLauncher, type PlanInput } from '../../src/gateway/client-config/index.ts';
import { isUserError } from '../../src/gateway/errors.ts';
import { tempDir } from '../helpers/gateway-harness.ts';

const FIXTURES = new URL('../fixtures/client-configs/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');
const TOKEN = 'dct_' + 'A'.repeat(43);
const MCP_URL = 'http://127.0.0.1:47821/mcp';
const bridge = { command: '/opt/node/bin/node', args: ['/opt/dementia/src/gateway/cli/main.ts'] };
const parseJsonc = (text: string) => parse(text, [], { allowTrailingComma: true }) as Record<string, Record<string, unknown>>;
const mode = (path: string) => statSync(path).mode & 0o777;

describe('client config writers', () => {
  const home = tempDir('dementia-home-');
  after(() => rmSync(home, { recursive: true, force: true }));
  const input = (overrides: Partial<PlanInput>): PlanInput => ({
    kind: 'cursor',
    clientName: 'Claude Desktop',
    token: TOKEN,
    mcpUrl: MCP_URL,
    homeDir: home,
    platform: 'linux',
    env: {},
    bridge,
    ...overrides,
  });
  /** Puts a fixture where the planner will look for the kind's config file. */
  const place = (path: string, name: string) => {
    mkdirSync(join(path, '..'), { recursive: true });
    copyFileSync(new URL(name, FIXTURES), path);
    return path;
  };

  it("uses each client's real per-OS path", () => {
    const paths = (platform: NodeJS.Platform, env: NodeJS.ProcessEnv = {}) =>
      (['claude-desktop', 'cursor', 'vscode'] as const).map(
        (kind) =>
          planClientConfig({ ...input({ kind, platform, env, homeDir: platform === 'win32' ? 'C:\\Users\\me' : '/home/me' }), readFile: () => null }).path,
      );
    assert.deepEqual(paths('darwin'), [
      '/home/me/Library/Application Support/Claude/claude_desktop_config.json',
      '/home/me/.cursor/mcp.json',
      '/home/me/Library/Application Support/Code/User/mcp.json',
    ]);
    assert.deepEqual(paths('win32', { APPDATA: 'C:\\Users\\me\\AppData\\Roaming' }), [
      'C:\\Users\\me\\AppData\\Roaming\\Claude\\claude_desktop_config.json',
      'C:\\Users\\me\\.cursor\\mcp.json',
      'C:\\Users\\me\\AppData\\Roaming\\Code\\User\\mcp.json',
    ]);
    assert.deepEqual(paths('linux', { XDG_CONFIG_HOME: '/xdg' }), [
      '/xdg/Claude/claude_desktop_config.json',
      '/home/me/.cursor/mcp.json',
      '/xdg/Code/User/mcp.json',
    ]);
    const repo = planClientConfig({ ...input({ kind: 'vscode', repoDir: '/src/app' }), readFile: () => null });
    assert.equal(repo.path, '/src/app/.vscode/mcp.json');
  });

  it('Claude Desktop: adds the stdio bridge with absolute paths, keeps other servers and keys, no token in the file', () => {
    const path = place(join(home, '.config', 'Claude', 'claude_desktop_config.json'), 'claude_desktop_config.json');
    const plan = planClientConfig(input({ kind: 'claude-desktop', project: 'My App' }));
    const before = JSON.parse(fixture('claude_desktop_config.json'));
    const after = JSON.parse(plan.after!);
    assert.deepEqual(after.mcpServers.filesystem, before.mcpServers.filesystem);
    assert.deepEqual(after.mcpServers.github, before.mcpServers.github);
    assert.equal(after.globalShortcut, 'Alt+Space');
    assert.deepEqual(after.mcpServers.dementia, {
      command: '/opt/node/bin/node',
      args: ['/opt/dementia/src/gateway/cli/main.ts', 'connect', '--client', 'Claude Desktop', '--project', 'my-app'],
    });
    assert.ok(!plan.after!.includes(TOKEN) && !plan.holdsToken);
    // Only our entry is added: every original line is still there, in order.
    assert.ok(
      plan.diff.split('\n').every((line) => !line.startsWith('-') || line.startsWith('---')),
      plan.diff,
    );
    const { backupPath } = applyClientConfig(plan);
    assert.equal(readFileSync(path, 'utf8'), plan.after);
    assert.equal(readFileSync(backupPath!, 'utf8'), fixture('claude_desktop_config.json'));
    assert.equal(mode(backupPath!), 0o600);
  });

  it('Claude Desktop: replaces an older dementia entry and passes a non-default port and data folder', () => {
    place(join(home, '.config', 'Claude', 'claude_desktop_config.json'), 'claude_desktop_config.with-dementia.json');
    const plan = planClientConfig(input({ kind: 'claude-desktop', mcpUrl: 'http://127.0.0.1:5000/mcp', dataDir: '/data/dementia' }));
    const after = JSON.parse(plan.after!);
    assert.deepEqual(Object.keys(after.mcpServers), ['dementia', 'weather']);
    assert.deepEqual(after.mcpServers.dementia.env, { DEMENTIA_DATA_DIR: '/data/dementia', DEMENTIA_PORT: '5000' });
    assert.match(plan.diff, /^-.*\/old\/node/m);
  });

  it("Claude Desktop: a file without mcpServers gets one, in the file's own indentation (tabs)", () => {
    place(join(home, '.config', 'Claude', 'claude_desktop_config.json'), 'claude_desktop_config.no-servers.json');
    const plan = planClientConfig(input({ kind: 'claude-desktop' }));
    assert.deepEqual(Object.keys(JSON.parse(plan.after!)), ['globalShortcut', 'mcpServers']);
    assert.match(plan.after!, /^\t"mcpServers": \{\n\t\t"dementia": \{/m);
  });

  it('VS Code: servers key, type http, comments, trailing commas and odd formatting survive', () => {
    const path = place(join(home, '.config', 'Code', 'User', 'mcp.json'), 'vscode-mcp.jsonc');
    const plan = planClientConfig(input({ kind: 'vscode' }));
    const original = fixture('vscode-mcp.jsonc');
    for (const line of original.split('\n')) assert.ok(plan.after!.includes(line), `line kept: ${line}`);
    const after = parseJsonc(plan.after!);
    assert.deepEqual(after.servers!.dementia, { type: 'http', url: MCP_URL, headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.deepEqual(Object.keys(after.servers!), ['github', 'playwright', 'dementia']);
    assert.deepEqual(after.inputs, parseJsonc(original).inputs);
    applyClientConfig(plan);
    assert.equal(mode(path), 0o600, 'holds a token');
    assert.deepEqual(
      readdirSync(join(path, '..')).filter((name) => name.endsWith('.tmp')),
      [],
      'no temp file left behind',
    );
    // Planning again finds nothing to change.
    assert.equal(planClientConfig(input({ kind: 'vscode' })).diff, '');
  });

  it('VS Code: an empty servers object in a CRLF file stays CRLF', () => {
    place(join(home, '.config', 'Code', 'User', 'mcp.json'), 'vscode-mcp.crlf-empty.json');
    const plan = planClientConfig(input({ kind: 'vscode', project: 'app' }));
    assert.ok(!/[^\r]\n/.test(plan.after!), 'every line ends in CRLF');
    assert.deepEqual(parseJsonc(plan.after!).servers!.dementia, {
      type: 'http',
      url: MCP_URL,
      headers: { Authorization: `Bearer ${TOKEN}`, 'X-Dementia-Project': 'app' },
    });
  });

  it('Cursor: ~/.cursor/mcp.json with url and headers; other servers byte for byte', () => {
    const path = place(join(home, '.cursor', 'mcp.json'), 'cursor-mcp.json');
    writeFileSync(path, fixture('cursor-mcp.json'), { mode: 0o644 });
    const plan = planClientConfig(input({ kind: 'cursor' }));
    assert.ok(plan.after!.includes('"context7": { "url": "https://mcp.context7.com/mcp", "headers": { "CONTEXT7_API_KEY": "ctx7-keep" } },'));
    assert.ok(plan.after!.includes('"sqlite":   { "command": "uvx", "args": ["mcp-server-sqlite", "--db-path", "~/test.db"] },'));
    assert.deepEqual(JSON.parse(plan.after!).mcpServers.dementia, { url: MCP_URL, headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.match(plan.after!, /^ {8}"dementia": \{$/m, 'four-space indentation kept');
    applyClientConfig(plan);
    assert.equal(mode(path), 0o600);
  });

  it('Claude Code: the claude mcp add command, and a repository .mcp.json that pins the project', () => {
    const user = planClientConfig(input({ kind: 'claude-code' }));
    assert.equal(user.path, null);
    assert.equal(user.command, `claude mcp add --transport http --scope user dementia ${MCP_URL} --header "Authorization: Bearer ${TOKEN}"`);
    const repo = tempDir('dementia-repo-');
    try {
      place(join(repo, '.mcp.json'), 'claude-code-mcp.json');
      const plan = planClientConfig(input({ kind: 'claude-code', repoDir: repo, project: 'linkedin' }));
      assert.equal(plan.path, join(repo, '.mcp.json'));
      assert.match(plan.command!, /--scope local .* --header "X-Dementia-Project: linkedin"$/);
      const after = JSON.parse(plan.after!);
      assert.deepEqual(after.mcpServers.sentry, JSON.parse(fixture('claude-code-mcp.json')).mcpServers.sentry);
      assert.equal(after.mcpServers['local-db'].env.DB_URL, '${DB_URL:-postgres://localhost/app}');
      assert.deepEqual(after.mcpServers.dementia, {
        type: 'http',
        url: MCP_URL,
        headers: { Authorization: `Bearer ${TOKEN}`, 'X-Dementia-Project': 'linkedin' },
      });
      assert.match(plan.instructions, /must stay out of git.*run the command in .* instead \(local scope: only you, only that folder/);
      applyClientConfig(plan);
      assert.equal(mode(plan.path!), 0o600);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it('refuses a file that is not JSON, and one that changed after the preview; neither is touched', () => {
    const path = place(join(home, '.cursor', 'mcp.json'), 'broken.json');
    assert.throws(
      () => planClientConfig(input({ kind: 'cursor' })),
      (error) => isUserError(error) && error.code === 'CONFIG_UNREADABLE' && /line \d/.test(error.message),
    );
    assert.equal(readFileSync(path, 'utf8'), fixture('broken.json'));
    place(path, 'cursor-mcp.json');
    const plan = planClientConfig(input({ kind: 'cursor' }));
    writeFileSync(path, `${fixture('cursor-mcp.json')}\n`);
    assert.throws(
      () => applyClientConfig(plan),
      (error) => isUserError(error) && error.code === 'CONFIG_CHANGED',
    );
    assert.equal(readFileSync(path, 'utf8'), `${fixture('cursor-mcp.json')}\n`);
  });

  it('writes through a symlink to its target once that target is confirmed (dotfile managers), creating missing folders for new files', () => {
    const real = join(home, 'dotfiles', 'cursor-mcp.json');
    place(real, 'cursor-mcp.json');
    rmSync(join(home, '.cursor'), { recursive: true, force: true });
    mkdirSync(join(home, '.cursor'));
    symlinkSync(real, join(home, '.cursor', 'mcp.json'));
    const linked = planClientConfig(input({ kind: 'cursor' }));
    assert.throws(
      () => applyClientConfig(linked),
      (error) => isUserError(error) && error.code === 'CONFIG_IS_LINK',
    );
    applyClientConfig(linked, { confirmTarget: real });
    assert.ok(statSync(join(home, '.cursor', 'mcp.json')).isFile());
    assert.ok(JSON.parse(readFileSync(real, 'utf8')).mcpServers.dementia, 'the target got the entry; the link is still a link');
    const fresh = planClientConfig(input({ kind: 'vscode', repoDir: join(home, 'new-repo') }));
    assert.equal(fresh.before, null);
    assert.equal(applyClientConfig(fresh).backupPath, null);
  });

  it('resolves the bridge launcher: this Node binary + the CLI script, or the packaged app binary under Electron', () => {
    assert.deepEqual(resolveBridgeLauncher({ execPath: '/usr/bin/node', electron: undefined, cliScript: '/app/cli/main.js' }), {
      command: '/usr/bin/node',
      args: ['/app/cli/main.js'],
    });
    assert.deepEqual(
      resolveBridgeLauncher({ execPath: '/Applications/Dementia Companion.app/Contents/MacOS/Dementia Companion', electron: '45.0.0', cliScript: '/x' }),
      {
        command: '/Applications/Dementia Companion.app/Contents/MacOS/Dementia Companion',
        args: [],
      },
    );
    const current = resolveBridgeLauncher();
    assert.equal(current.command, process.execPath);
    assert.match(current.args[0]!, /src\/gateway\/cli\/main\.ts$/);
  });

  it("the Claude Code SessionStart hook keeps the user's hooks and replaces only its own", () => {
    const repo = tempDir('dementia-repo-');
    try {
      place(join(repo, '.claude', 'settings.json'), 'claude-settings.json');
      const plan = planClaudeCodeHook({ launcher: bridge, repoDir: repo });
      const after = JSON.parse(plan.after!);
      assert.equal(after.hooks.SessionStart.length, 2);
      assert.equal(after.hooks.SessionStart[0].hooks[0].command, "echo 'hello from my own hook'");
      assert.match(after.hooks.SessionStart[1].hooks[0].command, /main\.ts handover show --hook$/);
      assert.deepEqual(after.hooks.PreToolUse, JSON.parse(fixture('claude-settings.json')).hooks.PreToolUse);
      assert.deepEqual(after.permissions, { allow: ['Bash(npm test:*)'] });
      applyClientConfig(plan);
      const again = planClaudeCodeHook({ launcher: bridge, repoDir: repo });
      assert.equal(again.diff, '', 'installing twice changes nothing');
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
