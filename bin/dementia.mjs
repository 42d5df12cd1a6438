#!/usr/bin/env node
// Runs the CLI from the compiled build when present, else from the TypeScript sources (Node >= 22.18).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/src/gateway/cli/main.js', import.meta.url);
const source = new URL('../src/gateway/cli/main.ts', import.meta.url);
const { run } = await import(existsSync(fileURLToPath(built)) ? built.href : source.href);
await run(process.argv.slice(2));
