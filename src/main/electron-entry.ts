// Electron's main entry (package.json "main", compiled to dist/src/main/electron-entry.js).
import { fileURLToPath } from 'node:url';
import { createElectronFacade } from './electron-adapter.ts';

/** Commands the packaged app runs as the CLI: the stdio bridge for Claude Desktop and the Claude Code hook. */
const CLI_COMMANDS = new Set(['connect', 'handover', 'status', 'clients', 'config', 'hooks']);

const electron = createElectronFacade();

if (CLI_COMMANDS.has(electron.argv[0] ?? '')) {
  // No tray, window or single-instance lock, and the desktop code is never loaded: a bridge starts fast.
  const { run } = await import('../gateway/cli/main.ts');
  await run([...electron.argv]);
  electron.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
} else {
  const { DesktopApp } = await import('./desktop-app.ts');
  const app = new DesktopApp({ electron, preloadPath: fileURLToPath(new URL('./preload.cjs', import.meta.url)) });
  await app.start();
}
