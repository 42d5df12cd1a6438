import { Gateway } from '../gateway.ts';
import type { Settings } from '../settings.ts';
import type { Output } from './output.ts';

/** Runs the gateway headless until SIGTERM or SIGINT. */
export async function serveCommand(settings: Settings, out: Output): Promise<void> {
  const gateway = await Gateway.start({ settings });
  out.line(`Dementia Companion gateway listening on ${gateway.mcpUrl}`);
  out.error(`Data: ${settings.dataDir}. Idle handover after ${settings.idleMinutes} min. Status page: dementia status (statusUrl).`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      out.error(`Received ${signal}, stopping.`);
      gateway.stop().then(resolve, (error: unknown) => {
        out.error(`Error while stopping: ${String(error)}`);
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
