// Electron's main entry (package.json "main", compiled to dist/src/main/electron-entry.js).
import { fileURLToPath } from 'node:url';
import { DesktopApp } from './desktop-app.ts';
import { createElectronFacade } from './electron-adapter.ts';

const electron = createElectronFacade();

if (electron.argv[0] === 'connect') {
  // Claude Desktop starts the packaged app as its stdio bridge (`<app> connect --client NAME`):
  // that is the CLI, without tray, window or single-instance lock.
  const { run } = await import('../gateway/cli/main.ts');
  await run([...electron.argv]);
  electron.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
} else {
  const app = new DesktopApp({ electron, preloadPath: fileURLToPath(new URL('./preload.cjs', import.meta.url)) });
  await app.start();
}
