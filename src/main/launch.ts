// `npm start`: the Electron tray app where an Electron binary is installed, else the headless
// gateway with default settings (exactly `dementia serve`, which prints the MCP URL).
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../gateway/cli/main.ts';
import { findElectronBinary } from './electron-binary.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2).filter((arg) => arg !== '--headless');
const headless = process.argv.includes('--headless') || process.env.DEMENTIA_HEADLESS === '1';
const binary = headless ? undefined : findElectronBinary(process.env, root);

if (binary === undefined) {
  if (!headless) process.stderr.write('No Electron binary installed (or ELECTRON_BIN unset): running the gateway headless.\n');
  await run(['serve', ...args]);
} else {
  // Electron's main process runs compiled JavaScript: build dist/ first (fast when nothing changed).
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build-desktop.ts')], { stdio: 'inherit', cwd: root });
  if (build.status !== 0) process.exit(build.status ?? 1);
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(binary, [root, ...args], { stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
