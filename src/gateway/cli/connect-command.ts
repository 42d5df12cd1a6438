import { GatewayCredentials } from '../bridge/gateway-proof.ts';
import { runStdioBridge } from '../bridge/stdio-bridge.ts';
import { UserError } from '../errors.ts';
import { CLIENT_HEADER_NAMES } from '../client-headers.ts';
import { localKey, tokenKey, type ProofKey, type ProofScope } from '../local-proof.ts';
import type { Settings } from '../settings.ts';
import { gatewayPort, localSecret, mcpUrlOf } from './gateway-locator.ts';
import { bridgeToken } from './bridge-token.ts';
import type { Output } from './output.ts';

/** How long one call waits for a gateway that is down or restarting before answering with an error. */
export const BRIDGE_RETRY_MS = 30_000;

export interface ConnectFlags {
  client?: string | undefined;
  /** Deprecated (it shows in ps): kept working with a warning. */
  token?: string | undefined;
  tokenFile?: string | undefined;
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
export function bridgeCredentials(
  settings: Settings,
  flags: ConnectFlags,
  log: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): GatewayCredentials {
  const token = bridgeToken(flags, env, log);
  if (token) {
    const key = tokenKey(token);
    return new GatewayCredentials(() => key, { kind: 'client' });
  }
  if (!flags.client) {
    throw new UserError(
      'MISSING_ARGUMENT',
      'connect needs --client NAME (or a token in DEMENTIA_TOKEN or --token-file FILE).',
      'Run: dementia connect --client "Claude Desktop"',
    );
  }
  const key = (): ProofKey => localKey(localSecret(settings, log));
  const scope: ProofScope = { kind: 'client', client: flags.client };
  return new GatewayCredentials(key, scope);
}

/** `dementia connect --client NAME | --token-file F [--project P]` (or DEMENTIA_TOKEN): the stdio bridge to the running gateway. */
export async function connectCommand(settings: Settings, out: Output, flags: ConnectFlags): Promise<void> {
  const retrySeconds = Number(process.env.DEMENTIA_BRIDGE_RETRY_SECONDS);
  const log = (line: string) => out.error(`[dementia bridge] ${line}`);
  const credentials = bridgeCredentials(settings, flags, log);
  await runStdioBridge({
    mcpUrl: () => mcpUrlOf(gatewayPort(settings)),
    headers: bridgeHeaders(flags, process.cwd()),
    credentials,
    retryForMs: Number.isFinite(retrySeconds) && retrySeconds > 0 ? retrySeconds * 1000 : BRIDGE_RETRY_MS,
    log,
    relayNotifications: true,
  });
}
