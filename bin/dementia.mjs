#!/usr/bin/env node
// Runs the CLI from the TypeScript sources of this checkout (Node >= 22.18), never from dist/: that
// is the desktop app's build and may be older than the sources. `npm link` puts this file on PATH
// with whatever `node` the shell finds first; when that one is too old for the sources, the
// project's own Node 22 (the `node` npm package) runs the CLI instead.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

// Set before the first TypeScript file loads, so they must live here, in JavaScript. Node strips
// types with a WebAssembly module; letting V8 optimize it on background threads leaves about
// 20 MiB of those threads' malloc arenas resident for the life of the process (an idle `serve`
// measured 127 -> 100 MiB with both, bench/serve-footprint.ts). Baseline-compiled WebAssembly only
// slows Node's own fetch parser, which the local gateway does not use. The second flag is the small
// heap policy of src/gateway/heap-policy.ts, applied from the first module on. package.json's
// `start` script passes the same flags to node (the headless `npm start` runs the same gateway).
// Not for the hosted server (`serve --hosted`), which runs for many users: there these flags cost
// about half its throughput (optimize-for-size made a hosted lock_context take 2x the CPU,
// docs/benchmarks.md), and deploy/systemd runs it without them too.
const hosted = process.argv.includes('serve') && process.argv.includes('--hosted');
const V8_FLAGS = hosted ? [] : ['--liftoff-only', '--optimize-for-size'];

const source = new URL('../src/gateway/cli/main.ts', import.meta.url);
const pinnedNode = fileURLToPath(new URL(`../node_modules/node/bin/node${process.platform === 'win32' ? '.exe' : ''}`, import.meta.url));
const [major, minor] = process.versions.node.split('.').map(Number);
const canRunSources = major > 22 || (major === 22 && minor >= 18);

if (canRunSources || !existsSync(pinnedNode)) {
  for (const flag of V8_FLAGS) setFlagsFromString(flag);
  const { run } = await import(source.href);
  await run(process.argv.slice(2));
} else {
  const child = spawn(pinnedNode, [...V8_FLAGS, fileURLToPath(source), ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 1)));
}
