import pg from 'pg';
import type { ManualClock } from '../../../src/gateway/clock.ts';
import { PgTenantMemory } from '../../../src/gateway/hosted/pg-memory/pg-memory.ts';
import { RemoteClientDirectory } from '../../../src/gateway/hosted/remote-clients.ts';
import { TenantDirectory } from '../../../src/gateway/hosted/tenant-directory.ts';
import { WorkSessionService } from '../../../src/gateway/sessions/work-session-service.ts';
import { ToolDispatcher } from '../../../src/gateway/tools/dispatcher.ts';
import { allTools } from '../../../src/gateway/tools/index.ts';
import type { Caller } from '../../../src/gateway/sessions/caller.ts';
import { transcriptOf } from './tool-stacks.ts';

/** The hosted side of one tenant, in-process: the real tool layer over its Postgres schema. */
export async function hostedSide(url: string, apiKey: string, clock: ManualClock) {
  const pool = new pg.Pool({ connectionString: url, max: 3 });
  const tenants = new TenantDirectory(pool);
  await tenants.prepare();
  const { tenant } = await tenants.add({ apiKey, label: 'desktop and hosted' });
  const caller: Caller = {
    client: await new RemoteClientDirectory(pool).signIn(tenant.schema, {
      clientKey: 'https://claude.ai/oauth/mcp-oauth-client-metadata',
      name: 'claude.ai',
      kind: 'other',
      asNewClient: false,
    }),
    instanceKey: '',
    tenant: tenant.schema,
  };
  const memory = new PgTenantMemory(pool, tenant.schema, clock);
  const dispatcher = new ToolDispatcher({ memoryOf: () => memory, workSessions: new WorkSessionService(120), tools: allTools });
  return {
    caller,
    async ok(tool: string, args: Record<string, unknown> = {}) {
      const result = await dispatcher.call(tool, args, caller);
      if (result.isError) throw new Error(`hosted ${tool} failed: ${transcriptOf(result)}`);
      return transcriptOf(result);
    },
    close: () => pool.end(),
  };
}
