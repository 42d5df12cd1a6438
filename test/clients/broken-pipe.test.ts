// Issue 15.8: `dementia status | head -3` and the like: a reader that goes away early is not a crash.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '../helpers/gateway-harness.ts';
import { CLI } from './processes.ts';

/** Runs the CLI with its stdout pipe already closed by the reader, as after `| head -0`. */
function withClosedStdout(args: string[], env: Record<string, string>): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('a closed output pipe', () => {
  const root = tempDir();
  const home = join(root, 'home');
  mkdirSync(home);
  const env = { HOME: home, XDG_CONFIG_HOME: '', DEMENTIA_DATA_DIR: join(root, 'data'), DEMENTIA_PORT: '47998' };
  after(() => rmSync(root, { recursive: true, force: true }));

  it('every command exits 0 without a stack trace', async () => {
    for (const args of [
      ['--help'],
      ['status'],
      ['status', '--json'],
      ['clients', 'add', 'Pipe', '--json'],
      ['clients', 'list'],
      ['config', 'cursor'],
      ['hooks', 'install', 'claude-code'],
    ]) {
      const result = await withClosedStdout(args, env);
      assert.deepEqual([result.code, result.signal, result.stderr], [0, null, ''], args.join(' '));
    }
  });
});
