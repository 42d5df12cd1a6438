import { GatewayCredentials } from '../bridge/gateway-proof.ts';
import { runStdioBridge } from '../bridge/stdio-bridge.ts';
import { UserError } from '../errors.ts';
import { CLIENT_HEADER_NAMES } from '../http/client-headers.ts';
import { localKey, tokenKey, type ProofKey, type ProofScope } from '../local-proof.ts';
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

/** The headers that say where the call comes from: the working directory (one client, several windows) and a project pin. */
export function bridgeHeaders(flags: ConnectFlags, cwd: string): Record<string, string> {
  // Paths may hold any character; HTTP header values may not, so it travels percent-encoded.
  const headers: Record<string, string> = { [CLIENT_HEADER_NAMES.instance]: encodeURIComponent(cwd) };
  if (flags.project) headers[CLIENT_HEADER_NAMES.project] = flags.project;
  return headers;
}

/**
 * How the bridge proves itself. `--client NAME`: with the data folder's local secret (no token in
 * Desktop's config; token rotation does not break it). A token: with the token itself. Either way
 * by challenge-response (gateway-proof.ts): neither ever travels, and the gateway proves itself first.
 */
export function bridgeCredentials(settings: Settings, flags: ConnectFlags, log: (line: string) => void): GatewayCredentials {
  if (!flags.client && !flags.token) {
    throw new UserError('MISSING_ARGUMENT', 'connect needs --client NAME or --token TOKEN.', 'Run: dementia connect --client "Claude Desktop"');
  }
  if (flags.token) {
    const key = tokenKey(flags.token);
    return new GatewayCredentials(() => key, { kind: 'client' });
  }
  const key = (): ProofKey => localKey(localSecret(settings, log));
  const scope: ProofScope = { kind: 'client', client: flags.client };
  return new GatewayCredentials(key, scope);
}

/** `dementia connect --client NAME | --token T [--project P]`: the stdio bridge to the running gateway. */
export async function connectCommand(settings: Settings, out: Output, flags: ConnectFlags): Promise<void> {
  const retrySeconds = Number(process.env.DEMENTIA_BRIDGE_RETRY_SECONDS);
  const log = (line: string) => out.error(`[dementia bridge] ${line}`);
  await runStdioBridge({
    mcpUrl: () => mcpUrlOf(gatewayPort(settings)),
    headers: bridgeHeaders(flags, process.cwd()),
    credentials: bridgeCredentials(settings, flags, log),
    retryForMs: Number.isFinite(retrySeconds) && retrySeconds > 0 ? retrySeconds * 1000 : BRIDGE_RETRY_MS,
    log,
    relayNotifications: true,
  });
}
