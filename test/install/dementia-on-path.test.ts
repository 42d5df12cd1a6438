// Issue 15.8: hints say `dementia ...`; `npm link` puts it on PATH, and the linked command runs with
// whatever `node` the shell finds, even one too old for the TypeScript sources.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/gateway-harness.ts';

const BIN = fileURLToPath(new URL('../../bin/dementia.mjs', import.meta.url));
const SYSTEM_NODE = '/usr/bin/node';

const run = (file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(file, args, { env }, (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });

describe('the dementia command on PATH', { skip: existsSync(SYSTEM_NODE) ? false : `${SYSTEM_NODE} is missing` }, () => {
  const dir = tempDir();
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a linked bin/dementia.mjs runs under the system node (whatever its version), like after npm link', async () => {
    const linked = join(dir, 'dementia');
    symlinkSync(BIN, linked);
    // PATH has only the system's node: `#!/usr/bin/env node` finds it, as in a user's shell.
    const result = await run(linked, ['--version'], { PATH: '/usr/bin:/bin', HOME: dir });
    assert.deepEqual([result.code, result.stderr], [0, ''], result.stderr);
    assert.match(result.stdout, /^\d+\.\d+\.\d+\n$/);
    const help = await run(linked, ['--help'], { PATH: '/usr/bin:/bin', HOME: dir });
    assert.match(help.stdout, /npm link/);
  });
});
