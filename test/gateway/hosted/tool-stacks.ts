import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/server';
import pg from 'pg';
import { ManualClock } from '../../../src/gateway/clock.ts';
import { PgTenantMemory } from '../../../src/gateway/hosted/pg-memory/pg-memory.ts';
import { RemoteClientDirectory } from '../../../src/gateway/hosted/remote-clients.ts';
import { TenantDirectory } from '../../../src/gateway/hosted/tenant-directory.ts';
import type { Memory } from '../../../src/gateway/memory/memory.ts';
import { createServices } from '../../../src/gateway/services.ts';
import { WorkSessionService } from '../../../src/gateway/sessions/work-session-service.ts';
import type { Handover } from '../../../src/gateway/store/handovers.ts';
import { DATABASE_FILE, openDatabase } from '../../../src/gateway/store/database.ts';
import { ToolDispatcher } from '../../../src/gateway/tools/dispatcher.ts';
import { allTools } from '../../../src/gateway/tools/index.ts';
import type { Caller } from '../../../src/gateway/sessions/caller.ts';

/** The real tool layer over one memory, called in-process as the MCP endpoint calls it. */
export interface ToolStack {
  readonly kind: 'sqlite' | 'postgres';
  readonly clock: ManualClock;
  readonly memory: Memory;
  /** Calls a tool as the given client (default: the first). */
  call(tool: string, args?: Record<string, unknown>, as?: Caller): Promise<CallToolResult>;
  /** A second client of the same memory (another window, another UI). */
  otherClient(name: string): Promise<Caller>;
  sweep(): Promise<Handover[]>;
  close(): Promise<void>;
}

const IDLE_MINUTES = 120;

function stackOf(
  kind: ToolStack['kind'],
  memory: Memory,
  clock: ManualClock,
  first: Caller,
  other: (name: string) => Promise<Caller>,
  close: () => Promise<void>,
): ToolStack {
  const workSessions = new WorkSessionService(IDLE_MINUTES);
  const dispatcher = new ToolDispatcher({ memoryOf: () => memory, workSessions, tools: allTools });
  return {
    kind,
    clock,
    memory,
    call: (tool, args = {}, as = first) => dispatcher.call(tool, args, as),
    otherClient: other,
    sweep: () => workSessions.sweep(memory),
    close,
  };
}

/** The desktop's stack: a SQLite file. */
export function sqliteStack(clock = new ManualClock()): ToolStack {
  const dir = mkdtempSync(join(tmpdir(), 'dementia-parity-'));
  const db = openDatabase(join(dir, DATABASE_FILE), clock);
  const services = createServices(db, clock, IDLE_MINUTES);
  const callerOf = (name: string): Caller => ({ client: services.clients.add(name, 'other', null).client, instanceKey: '' });
  return stackOf(
    'sqlite',
    services.memory,
    clock,
    callerOf('Claude Code'),
    async (name) => callerOf(name),
    async () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  );
}

/** The hosted server's stack: a tenant schema in a real Postgres database. */
export async function postgresStack(url: string, clock = new ManualClock()): Promise<ToolStack & { pool: pg.Pool; schema: string }> {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const tenants = new TenantDirectory(pool);
  await tenants.prepare();
  const { tenant } = await tenants.add({ label: 'parity' });
  const clients = new RemoteClientDirectory(pool);
  const callerOf = async (name: string): Promise<Caller> => ({
    client: await clients.signIn(tenant.schema, { clientKey: `test:${name}`, name, kind: 'other', asNewClient: false }),
    instanceKey: '',
  });
  const memory = new PgTenantMemory(pool, tenant.schema, clock);
  const stack = stackOf('postgres', memory, clock, await callerOf('Claude Code'), callerOf, () => pool.end());
  return { ...stack, pool, schema: tenant.schema };
}

/** The text a model reads, with what differs by nature between runs (ids) made comparable. */
export function transcriptOf(result: CallToolResult): string {
  const text = result.content.map((part) => (part.type === 'text' ? part.text : `[${part.type}]`)).join('\n');
  const ids = new Map<string, string>();
  const stable = (id: string) => {
    if (!ids.has(id)) ids.set(id, `<id${ids.size + 1}>`);
    return ids.get(id)!;
  };
  return `${result.isError ? 'ERROR ' : ''}${text}`
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, stable)
    .replace(/work session [0-9a-f]{8}/g, 'work session <short>');
}
