// A gateway in its own process (started with --expose-gc), driven over IPC, so that a load test
// measures the gateway's memory and not its own clients'.
import { ManualClock } from '../../src/gateway/clock.ts';
import { Gateway } from '../../src/gateway/gateway.ts';
import { silentLogger } from '../../src/gateway/logger.ts';
import { resolveSettings } from '../../src/gateway/settings.ts';

export type ChildRequest =
  | { id: number; op: 'addClient'; name: string }
  | { id: number; op: 'createProject'; name: string }
  | { id: number; op: 'settledRss' }
  | { id: number; op: 'stats' }
  | { id: number; op: 'advanceAndReap'; minutes: number }
  | { id: number; op: 'stop' };

const gc = (globalThis as { gc?: () => void }).gc!;
const clock = new ManualClock();
const gateway = await Gateway.start({
  settings: { ...resolveSettings({}, {}), port: 0, dataDir: process.argv[2]!, idleMinutes: 120 },
  clock,
  logger: silentLogger,
  writeRuntimeFile: false,
});

async function answer(request: ChildRequest): Promise<unknown> {
  switch (request.op) {
    case 'addClient':
      return gateway.services.clients.add(request.name, 'other', null).token;
    case 'createProject':
      return gateway.services.projects.create(request.name);
    case 'settledRss':
      for (let i = 0; i < 3; i++) {
        gc();
        await new Promise((resolve) => setImmediate(resolve));
      }
      return process.memoryUsage();
    case 'stats':
      return gateway.endpoint.stats();
    case 'advanceAndReap':
      clock.advanceMinutes(request.minutes);
      return gateway.endpoint.reapIdle();
    case 'stop':
      await gateway.stop();
      setImmediate(() => process.exit(0));
      return null;
  }
}

process.on('message', (request: ChildRequest) => {
  void answer(request).then(
    (value) => process.send!({ id: request.id, value }),
    (error: unknown) => process.send!({ id: request.id, error: String(error) }),
  );
});
process.send!({ id: 0, value: gateway.mcpUrl });
