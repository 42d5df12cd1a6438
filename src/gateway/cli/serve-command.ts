import { Gateway } from '../gateway.ts';
import type { Settings, SettingFlags } from '../settings.ts';
import { createLogger } from '../logger.ts';
import type { Output } from './output.ts';

/** Runs the gateway headless until SIGTERM or SIGINT. */
export async function serveCommand(settings: Settings, out: Output): Promise<void> {
  const gateway = await Gateway.start({ settings });
  out.line(`Dementia Companion gateway listening on ${gateway.mcpUrl}`);
  out.error(`Data: ${settings.dataDir}. Idle handover after ${settings.idleMinutes} min. Status page: dementia status (statusUrl).`);
  await untilStopped(out, () => gateway.stop());
}

/** `serve --hosted`: every registered tenant, over Postgres, behind OAuth (docs/design.md section 10). */
export async function serveHostedCommand(flags: SettingFlags, out: Output): Promise<void> {
  // Loaded only here: the desktop never loads the hosted store or the authorization server.
  const { resolveHostedSettings } = await import('../hosted/hosted-settings.ts');
  const { HostedGateway } = await import('../hosted/hosted-gateway.ts');
  const { createHostedAuth } = await import('../hosted/oauth/create-hosted-auth.ts');
  const settings = resolveHostedSettings(flags);
  const logger = createLogger(undefined, settings.logFormat);
  const gateway = await HostedGateway.start({ settings, createAuth: createHostedAuth, logger });
  out.line(`Dementia Companion hosted gateway listening on ${gateway.mcpUrl}`);
  // With JSON logs, stderr carries nothing but log entries (a log shipper parses every line).
  const notes: Output = settings.logFormat === 'json' ? { ...out, error: (text) => logger.info(text) } : out;
  notes.error(
    `Listening on ${settings.host}:${gateway.port}; Postgres ${settings.pg.displayUrl} (at most ${settings.maxConnections} connections). ` +
      'Register API keys with: dementia tenants add',
  );
  await untilStopped(notes, () => gateway.stop());
}

function untilStopped(out: Output, stop: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: string) => {
      if (stopping) return;
      stopping = true;
      out.error(`Received ${signal}, stopping.`);
      stop().then(resolve, (error: unknown) => {
        out.error(`Error while stopping: ${String(error)}`);
        resolve();
      });
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  });
}
