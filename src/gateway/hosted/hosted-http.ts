import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenerOf, sendJson } from '../http/http-utils.ts';
import type { McpEndpoint } from '../http/mcp-endpoint.ts';
import { readMcpRequest } from '../http/mcp-request.ts';
import { callerOfRequest } from '../http/request-caller.ts';
import type { Logger } from '../logger.ts';
import { APP_VERSION } from '../version.ts';
import { CallerRefused } from '../errors.ts';
import type { AuthRefusal, HostedAuth } from './hosted-auth.ts';
import type { OperatorRoutes } from './metrics/operator-routes.ts';

export interface HostedHttpDeps {
  endpoint: McpEndpoint;
  /** Undefined while the process is still starting. */
  auth: () => HostedAuth | undefined;
  /** /readyz, /metrics, and the count of 429s. */
  operator: OperatorRoutes;
  logger: Logger;
}

/**
 * Routes a hosted server's requests: /mcp behind OAuth, the OAuth endpoints and sign-in page, a
 * health check, and the operator's readiness check and metrics. Unlike local mode there is no Host/Origin allow-list (the server is public; a
 * token is the only key) and no admin API or status page.
 */
export function createHostedRequestHandler(deps: HostedHttpDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return listenerOf(deps.logger, (req, res) => handle(deps, req, res));
}

async function handle(deps: HostedHttpDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://hosted.invalid');
  if (url.pathname === '/healthz') {
    sendJson(res, 200, { ok: true, app: 'dementia-companion', mode: 'hosted', version: APP_VERSION });
    return;
  }
  deps.operator.observe(res, url);
  const auth = deps.auth();
  if (!auth) {
    req.resume();
    sendJson(res, 503, { error: 'The server is starting; try again in a moment.' }, { 'retry-after': '1' });
    return;
  }
  if (await deps.operator.handle(req, res, url)) return;
  if (url.pathname === '/mcp') return handleMcp(deps, auth, req, res);
  if (await auth.handle(req, res, url)) return;
  sendJson(res, 404, { error: `Not found: ${url.pathname}` });
}

async function handleMcp(deps: HostedHttpDeps, auth: HostedAuth, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // A token confirmed before is checked by the call's first transaction, not in a round trip ahead of it.
  const authenticated = await auth.authenticate(req, { confirmLater: true });
  if ('status' in authenticated) return refuse(req, res, authenticated);
  const request = await readMcpRequest(req, res);
  if (!request) return;
  const caller = callerOfRequest(req, authenticated.client, authenticated.tenant);
  try {
    await deps.endpoint.handle(req, res, caller, request.body, authenticated.unconfirmed);
  } catch (error) {
    if (!(error instanceof CallerRefused)) throw error;
    // Nothing was answered or kept: the full check says why the token no longer works.
    const again = await auth.authenticate(req);
    if ('status' in again) return refuse(req, res, again);
    sendJson(res, 503, { error: 'The token was being checked while it changed; nothing was saved. Try again.' }, { 'retry-after': '1' });
  }
}

function refuse(req: IncomingMessage, res: ServerResponse, refusal: AuthRefusal): void {
  req.resume();
  sendJson(res, refusal.status, refusal.body, refusal.headers);
}
