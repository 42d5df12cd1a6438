// Issue 14 item 4: a bridge that uses a client token never needs it on a command line, where every
// local user can read it (ps, /proc/PID/cmdline) for as long as the bridge runs.
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ServeProcess } from '../helpers/cli-process.ts';
import { tempDir, textOf } from '../helpers/gateway-harness.ts';
import { cli, connectThroughBridge, freePort, gatewayEnv, startServe, type BridgeClient } from '../clients/processes.ts';

/** `dementia connect ARGS` launched like Claude Desktop does, with its command line as /proc shows it. */
async function launchBridge(args: string[], env: Record<string, string>): Promise<BridgeClient & { cmdline: string; whoami: () => Promise<string> }> {
  const bridge = await connectThroughBridge(args, env, process.cwd());
  const cmdline = readFileSync(`/proc/${bridge.pid}/cmdline`, 'utf8').split('\0').join(' ');
  return { ...bridge, cmdline, whoami: async () => textOf(await bridge.call('session_status')) };
}

describe('client tokens stay off command lines', { skip: process.platform !== 'linux' && 'reads /proc' }, () => {
  const dataDir = tempDir('dementia-token-');
  let env: Record<string, string>;
  let served: ServeProcess;
  let token: string;

  before(async () => {
    env = gatewayEnv(dataDir, await freePort());
    served = await startServe(env);
    token = (JSON.parse((await cli(['clients', 'add', 'Cursor', '--kind', 'cursor', '--json'], env)).stdout) as { token: string }).token;
  });
  after(async () => {
    served.child.kill('SIGKILL');
    await served.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('DEMENTIA_TOKEN: the bridge acts for the token’s client; the token is on no command line', async () => {
    const bridge = await launchBridge([], { ...env, DEMENTIA_TOKEN: token });
    try {
      assert.match(await bridge.whoami(), /Cursor/);
      assert.ok(!bridge.cmdline.includes(token), bridge.cmdline);
    } finally {
      await bridge.close();
    }
  });

  it('--token-file FILE (private): the same; a file other users can read is refused with the fix', async () => {
    const file = join(dataDir, 'cursor.token');
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    const bridge = await launchBridge(['--token-file', file], env);
    try {
      assert.match(await bridge.whoami(), /Cursor/);
      assert.ok(!bridge.cmdline.includes(token));
    } finally {
      await bridge.close();
    }
    chmodSync(file, 0o644);
    const refused = await cli(['connect', '--token-file', file], env);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /cursor\.token has mode 644: other users can read the token\. Fix: chmod 600 /);
    writeFileSync(file, 'not a token\n', { mode: 0o600 });
    chmodSync(file, 0o600);
    assert.match((await cli(['connect', '--token-file', file], env)).stderr, /does not hold a client token/);
  });

  it('--token T still works, and says on stderr why it should not be used and what to use instead', async () => {
    const bridge = await launchBridge(['--token', token], env);
    try {
      assert.match(await bridge.whoami(), /Cursor/);
      assert.match(
        bridge.stderr(),
        /--token puts the token on the command line, where every local user can read it.*--client NAME.*DEMENTIA_TOKEN.*--token-file/s,
      );
    } finally {
      await bridge.close();
    }
  });

  it('the Claude Desktop entry that `config` writes carries no token at all', async () => {
    const planned = JSON.parse(
      (await cli(['config', 'claude-desktop', '--json'], { ...env, HOME: dataDir, XDG_CONFIG_HOME: join(dataDir, 'xdg') })).stdout,
    ) as { snippet: string };
    const entry = (JSON.parse(planned.snippet) as { mcpServers: { dementia: { args: string[]; env?: Record<string, string> } } }).mcpServers.dementia;
    assert.deepEqual(entry.args.slice(-3), ['connect', '--client', 'Claude Desktop']);
    assert.doesNotMatch(JSON.stringify(entry), /dct_|--token/);
  });
});
