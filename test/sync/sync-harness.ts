import { rmSync } from 'node:fs';
import { ManualClock } from '../../src/gateway/clock.ts';
import { Gateway } from '../../src/gateway/gateway.ts';
import { silentLogger } from '../../src/gateway/logger.ts';
import { resolveSettings } from '../../src/gateway/settings.ts';
import type { SyncWorker, SyncTuning } from '../../src/gateway/sync/sync-worker.ts';
import { connectClient, tempDir, textOf, type ConnectedClient, type ToolResult } from '../helpers/gateway-harness.ts';

/** Short timings so tests spend no time waiting on backoff; tests drive sync with syncNow(). */
export const FAST_SYNC: Partial<SyncTuning> = {
  backoffBaseMs: 20,
  backoffMaxMs: 200,
  pushDelayMs: 10,
  fallbackPollMs: 200,
  connectTimeoutMs: 2_000,
  statementTimeoutMs: 10_000,
};

/** One "machine": a gateway with its own data folder, synced to a tenant, with one connected client. */
export interface Machine {
  gateway: Gateway;
  sync: SyncWorker;
  dataDir: string;
  clock: ManualClock;
  client: ConnectedClient;
  call(tool: string, args?: Record<string, unknown>): Promise<ToolResult>;
  /** Calls a tool and fails the test on a tool error; returns the result text. */
  ok(tool: string, args?: Record<string, unknown>): Promise<string>;
  stop(options?: { remove?: boolean }): Promise<void>;
}

export interface MachineOptions {
  pgUrl: string;
  apiKey: string;
  dataDir?: string;
  clock?: ManualClock;
  clientName?: string;
  tuning?: Partial<SyncTuning>;
}

export async function startMachine(options: MachineOptions): Promise<Machine> {
  const dataDir = options.dataDir ?? tempDir('dementia-sync-');
  const clock = options.clock ?? new ManualClock();
  const settings = { ...resolveSettings({}, {}), port: 0, dataDir, pgUrl: options.pgUrl, apiKey: options.apiKey };
  const gateway = await Gateway.start({
    settings,
    clock,
    logger: silentLogger,
    writeRuntimeFile: false,
    syncTuning: { ...FAST_SYNC, ...options.tuning },
  });
  const name = options.clientName ?? 'Claude Code';
  const existing = gateway.services.clients.byName(name);
  const token = existing ? gateway.services.clients.rotateToken(existing.id) : gateway.services.clients.add(name, 'claude-code', null).token;
  const client = await connectClient(new URL(gateway.mcpUrl), token);
  const call = (tool: string, args: Record<string, unknown> = {}) => client.call(tool, args);
  return {
    gateway,
    sync: gateway.sync!,
    dataDir,
    clock,
    client,
    call,
    async ok(tool, args = {}) {
      const result = await call(tool, args);
      if (result.isError) throw new Error(`${tool} failed: ${textOf(result)}`);
      return textOf(result);
    },
    async stop({ remove = false } = {}) {
      await client.close().catch(() => undefined);
      await gateway.stop();
      if (remove) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Pushes A, then pulls on the others: the deterministic stand-in for "a moment later". */
export async function settle(...machines: Machine[]): Promise<void> {
  for (const machine of machines) await machine.sync.syncNow();
  for (const machine of machines) await machine.sync.syncNow();
}

export function assertOnline(machine: Machine): void {
  const status = machine.sync.status();
  if (status.state !== 'online') throw new Error(`sync is ${status.state}: ${status.lastError ?? ''}`);
}
