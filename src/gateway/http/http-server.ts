import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.ts';
import type { Services } from '../services.ts';
import type { ClientRecord } from '../store/clients.ts';
import type { Caller } from '../sessions/caller.ts';
import { APP_VERSION } from '../version.ts';
import type { AdminApi } from './admin-api.ts';
import type { LocalAuth } from './local-auth.ts';
import { bearerToken, headerValue, isLocalHost, isLocalOrigin, listenerOf, sendJson, sendJsonRpcError } from './http-utils.ts';
import { readMcpRequest } from './mcp-request.ts';
import type { McpEndpoint } from './mcp-endpoint.ts';
import type { StaticFiles } from './static-files.ts';

/** Request headers a client's config may set. */
export const INSTANCE_HEADER = 'x-dementia-instance';
export const PROJECT_HEADER = 'x-dementia-project';

const MAX_INSTANCE_KEY = 256;

export interface HttpDeps {
  port: () => number;
  services: Services;
  endpoint: McpEndpoint;
  admin: AdminApi;
  staticFiles: StaticFiles;
  localAuth: LocalAuth;
  logger: Logger;
}

const UNAUTHORIZED =
  'Unauthorized: missing or invalid client token. Send the header "Authorization: Bearer <token>"; ' +
  '`dementia clients add NAME` registers a client and prints its token.';

/** Routes every request after the local-only checks (invariant 8). */
export function createRequestHandler(deps: HttpDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return listenerOf(deps.logger, (req, res) => handle(deps, req, res));
}

async function handle(deps: HttpDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!isLocalHost(req.headers.host, deps.port()) || !isLocalOrigin(headerValue(req, 'origin'))) {
    sendJson(res, 403, { error: 'Forbidden' });
    return;
  }
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (url.pathname === '/mcp') return handleMcp(deps, req, res);
  if (url.pathname.startsWith('/.well-known/')) {
    // No OAuth metadata: clients that see it drop their configured Authorization header.
    sendJson(res, 404, { error: 'Not found' });
    return;
  }
  if (url.pathname === '/healthz') {
    // Unauthenticated on purpose (is this port our gateway?); it names no process, path or client.
    sendJson(res, 200, { ok: true, app: 'dementia-companion', version: APP_VERSION });
    return;
  }
  if (url.pathname === '/auth' && req.method === 'GET') return deps.admin.exchange(url, res, deps.staticFiles);
  if (deps.localAuth.handles(url.pathname)) return deps.localAuth.handle(req, res, url.pathname);
  if (url.pathname.startsWith('/api/')) return deps.admin.handle(req, res, url);
  if (req.method === 'GET' && deps.staticFiles.serve(url.pathname, res)) return;
  sendJson(res, 404, { error: `Not found: ${url.pathname}` });
}

/** The bridge percent-encodes names and paths (header values must be Latin-1); plain values pass through. */
function decodeHeader(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** A client's own token, or a session token the bridge got by the local proof (local-auth.ts). */
function authenticate(deps: HttpDeps, req: IncomingMessage): ClientRecord | undefined {
  const token = bearerToken(req);
  if (!token) return undefined;
  return deps.localAuth.clientFor(token) ?? deps.services.clients.authenticate(token);
}

async function handleMcp(deps: HttpDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const client = authenticate(deps, req);
  if (!client) {
    req.resume();
    sendJsonRpcError(res, 401, -32001, UNAUTHORIZED, { 'www-authenticate': 'Bearer realm="dementia-companion"' });
    return;
  }
  const request = await readMcpRequest(req, res);
  if (!request) return;
  const instanceKey = decodeHeader(headerValue(req, INSTANCE_HEADER) ?? '').trim().slice(0, MAX_INSTANCE_KEY);
  const pinnedProject = headerValue(req, PROJECT_HEADER)?.trim() || undefined;
  const caller: Caller = { client, instanceKey, pinnedProject };
  await deps.endpoint.handle(req, res, caller, request.body);
}
