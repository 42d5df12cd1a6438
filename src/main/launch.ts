// `npm start`: the Electron tray app where an Electron binary is installed; on a desktop where it is
// not yet (Electron downloads it on first use), Electron's installer first; else, or when that
// fails, the headless gateway with default settings (exactly `dementia serve`, which prints the MCP URL).
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../gateway/cli/main.ts';
import { electronVersion, installElectron, planLaunch, progressLine } from './electron-install.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2).filter((arg) => arg !== '--headless');
const headless = process.argv.includes('--headless') || process.env.DEMENTIA_HEADLESS === '1';

async function electronBinary(): Promise<string | undefined> {
  const plan = planLaunch({ env: process.env, platform: process.platform, root, headless });
  if (plan.kind === 'electron') return plan.binary;
  if (plan.kind === 'headless') {
    if (plan.reason) process.stderr.write(`${plan.reason}\n`);
    return undefined;
  }
  const version = electronVersion(root);
  const tty = process.stderr.isTTY;
  process.stderr.write(`${progressLine(version, 0)}${tty ? '' : '\n'}`);
  let lastLine = 0;
  const installed = await installElectron({
    root,
    env: process.env,
    onProgress: (bytes) => {
      // A terminal gets one line that counts up; a log gets a line every 10 MB.
      if (tty) process.stderr.write(`\r${progressLine(version, bytes)}`);
      else if (bytes - lastLine >= 10e6) process.stderr.write(`${progressLine(version, (lastLine = bytes))}\n`);
    },
  });
  if (tty) process.stderr.write('\n');
  if (installed.ok) return installed.binary;
  process.stderr.write(`Could not install Electron ${version}: ${installed.reason}. Running the gateway headless (no tray).\n${installed.fix}\n`);
  return undefined;
}

const binary = await electronBinary();
if (binary === undefined) {
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
