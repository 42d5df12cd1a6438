import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { systemClock } from '../../src/gateway/clock.ts';
import { createServices, type Services } from '../../src/gateway/services.ts';
import { DATABASE_FILE, openDatabase } from '../../src/gateway/store/database.ts';
import { ToolDispatcher } from '../../src/gateway/tools/dispatcher.ts';
import { allTools } from '../../src/gateway/tools/index.ts';
import type { Caller } from '../../src/gateway/sessions/caller.ts';
import { createCorpus, type Corpus } from './corpus.ts';

export const PROJECT = 'bench';

/** The real in-process stack (services, tool definitions, dispatcher) over a SQLite file. */
export interface Stack {
  dir: string;
  services: Services;
  dispatcher: ToolDispatcher;
  caller: Caller;
  call(tool: string, args: Record<string, unknown>): Promise<CallToolResult>;
  close(options?: { remove?: boolean }): void;
}

export async function openStack(dir = mkdtempSync(join(tmpdir(), 'dementia-bench-'))): Promise<Stack> {
  const db = openDatabase(join(dir, DATABASE_FILE), systemClock);
  const services = createServices(db, systemClock, 120);
  const dispatcher = new ToolDispatcher({ memoryOf: () => services.memory, workSessions: services.workSessions, tools: allTools });
  const client = services.clients.byName('bench') ?? services.clients.add('bench', 'other', null).client;
  const caller: Caller = { client, instanceKey: '' };
  const call = async (tool: string, args: Record<string, unknown>): Promise<CallToolResult> => {
    const result = await dispatcher.call(tool, args, caller);
    if (result.isError) throw new Error(`${tool} failed: ${JSON.stringify(result.content).slice(0, 400)}`);
    return result;
  };
  if (!services.projects.exists(PROJECT)) await call('create_project', { name: PROJECT });
  await call('select_project_for_session', { project_name: PROJECT });
  return {
    dir,
    services,
    dispatcher,
    caller,
    call,
    close({ remove = false } = {}) {
      db.close();
      if (remove) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Fills the project with `count` contexts through the real batch_lock_contexts tool (100 per call,
 * each call its own transaction). Returns the corpus so queries can be chosen by real frequencies.
 */
export async function seed(stack: Stack, count: number, corpus: Corpus = createCorpus()): Promise<Corpus> {
  const started = performance.now();
  while (corpus.generated < count) {
    const batch = [];
    while (batch.length < 100 && corpus.generated < count) batch.push(corpus.next());
    await stack.call('batch_lock_contexts', { contexts: batch });
    if (corpus.generated % 20_000 === 0) {
      process.stderr.write(`  seeded ${corpus.generated} contexts (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
    }
  }
  return corpus;
}
