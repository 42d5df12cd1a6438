// Builds what Electron runs: the TypeScript compiled to dist/ (tsconfig.build.json), the status
// page's assets beside its compiled scripts, and dist/package.json (the version the app reports,
// and "type": "module" for the compiled ES modules).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const dist = join(root, 'dist');
const ASSETS = new Set(['.html', '.css', '.svg', '.png']);

export function buildDesktop(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
  if (result.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (exit ${result.status})`);
  const rendererSource = join(root, 'src', 'renderer');
  for (const name of readdirSync(rendererSource, { recursive: true, encoding: 'utf8' })) {
    if (!ASSETS.has(extname(name))) continue;
    const target = join(dist, 'src', 'renderer', name);
    mkdirSync(dirname(target), { recursive: true });
    cpSync(join(rendererSource, name), target);
  }
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };
  writeFileSync(join(dist, 'package.json'), `${JSON.stringify({ name: pkg.name, version: pkg.version, private: true, type: 'module' }, null, 2)}\n`);
}

if (import.meta.main) {
  try {
    buildDesktop();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
