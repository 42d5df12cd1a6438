import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenerOf, sendJson } from '../http/http-utils.ts';
import type { McpEndpoint } from '../http/mcp-endpoint.ts';
import { readMcpRequest } from '../http/mcp-request.ts';
import { callerOfRequest } from '../http/request-caller.ts';
import type { Logger } from '../logger.ts';
import { APP_VERSION } from '../version.ts';
import type { HostedAuth } from './hosted-auth.ts';
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
  const authenticated = await auth.authenticate(req);
  if ('status' in authenticated) {
    req.resume();
    sendJson(res, authenticated.status, authenticated.body, authenticated.headers);
    return;
  }
  const request = await readMcpRequest(req, res);
  if (!request) return;
  await deps.endpoint.handle(req, res, callerOfRequest(req, authenticated.client, authenticated.tenant), request.body);
}
