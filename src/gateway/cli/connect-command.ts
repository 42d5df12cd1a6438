import { runStdioBridge } from '../bridge/stdio-bridge.ts';
import { UserError } from '../errors.ts';
import { CLIENT_HEADER_NAMES } from '../http/client-headers.ts';
import type { Settings } from '../settings.ts';
import { gatewayPort, localSecret, mcpUrlOf } from './gateway-locator.ts';
import type { Output } from './output.ts';

/** How long one call waits for a gateway that is down or restarting before answering with an error. */
export const BRIDGE_RETRY_MS = 30_000;

export interface ConnectFlags {
  client?: string | undefined;
  token?: string | undefined;
  project?: string | undefined;
}

/**
 * The headers that say who is calling. `--client NAME` proves itself with the data folder's local
 * secret (so no token sits in Desktop's config and token rotation does not break it); `--token T`
 * is the client's own token. The instance key is the working directory: one client, several
 * windows or repositories, each with its own project.
 */
export function bridgeHeaders(settings: Settings, flags: ConnectFlags, cwd: string): Record<string, string> {
  if (!flags.client && !flags.token) {
    throw new UserError('MISSING_ARGUMENT', 'connect needs --client NAME or --token TOKEN.', 'Run: dementia connect --client "Claude Desktop"');
  }
  const headers: Record<string, string> = { [CLIENT_HEADER_NAMES.instance]: encodeURIComponent(cwd) };
  if (flags.project) headers[CLIENT_HEADER_NAMES.project] = flags.project;
  if (flags.token) {
    headers.authorization = `Bearer ${flags.token}`;
  } else {
    // Names may hold any character; HTTP header values may not, so it travels percent-encoded.
    headers[CLIENT_HEADER_NAMES.client] = encodeURIComponent(flags.client!);
    headers.authorization = `Bearer ${localSecret(settings)}`;
  }
  return headers;
}

/** `dementia connect --client NAME | --token T [--project P]`: the stdio bridge to the running gateway. */
export async function connectCommand(settings: Settings, out: Output, flags: ConnectFlags): Promise<void> {
  const retrySeconds = Number(process.env.DEMENTIA_BRIDGE_RETRY_SECONDS);
  await runStdioBridge({
    mcpUrl: () => mcpUrlOf(gatewayPort(settings)),
    headers: bridgeHeaders(settings, flags, process.cwd()),
    retryForMs: Number.isFinite(retrySeconds) && retrySeconds > 0 ? retrySeconds * 1000 : BRIDGE_RETRY_MS,
    log: (line) => out.error(`[dementia bridge] ${line}`),
    relayNotifications: true,
  });
}
