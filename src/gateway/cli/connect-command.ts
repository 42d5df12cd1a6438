import { runStdioBridge } from '../bridge/stdio-bridge.ts';
import { UserError } from '../errors.ts';
import { CLIENT_HEADER, INSTANCE_HEADER } from '../http/http-server.ts';
import type { Settings } from '../settings.ts';
import { gatewayPort, localSecret, openServices } from './cli-context.ts';
import type { Output } from './output.ts';

/** `dementia connect --client NAME | --token T`: the stdio bridge to the running gateway. */
export async function connectCommand(settings: Settings, out: Output, client: string | undefined, token: string | undefined): Promise<void> {
  if (!client && !token) {
    throw new UserError('MISSING_ARGUMENT', 'connect needs --client NAME or --token TOKEN.', 'Run: dementia connect --client "Claude Desktop"');
  }
  const headers: Record<string, string> = { [INSTANCE_HEADER]: process.cwd() };
  if (token) {
    headers.authorization = `Bearer ${token}`;
  } else {
    // Resolve the name now so a typo fails fast with the list of clients, not at the first call.
    const services = openServices(settings);
    try {
      headers[CLIENT_HEADER] = services.clients.find(client!).id;
    } finally {
      services.db.close();
    }
    headers.authorization = `Bearer ${localSecret(settings)}`;
  }
  await runStdioBridge({
    mcpUrl: `http://127.0.0.1:${gatewayPort(settings)}/mcp`,
    headers,
    retryForMs: 30_000,
    log: (line) => out.error(`[dementia bridge] ${line}`),
  });
}
