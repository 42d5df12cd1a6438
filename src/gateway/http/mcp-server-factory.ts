import { Server } from '@modelcontextprotocol/server';
import { canonicalUri } from '../resources/resource-uri.ts';
import type { Caller } from '../sessions/caller.ts';
import { APP_VERSION } from '../version.ts';
import { callKeyOf, IDEMPOTENCY_HEADER } from './call-key.ts';
import type { McpSurface } from './mcp-surface.ts';
import { ConnectionResources } from './resource-watchers.ts';

/** Told to every model at initialize: how to use this memory well. */
export const SERVER_INSTRUCTIONS = [
  "Dementia Companion is project memory shared by all of the user's Claude clients and machines.",
  'Each client works on one project at a time; it stays selected across reconnects. If a tool answers',
  'PROJECT_SELECTION_REQUIRED, ask the user which project (list_projects) and call select_project_for_session once.',
  'At the start of work read get_last_handover. Lock decisions, specs and rules with lock_context (rules as',
  'priority always_check), and call check_contexts before risky actions. Search before asking the user again.',
  'When the work is done, call end_session with a summary and next steps so the next session can continue.',
].join(' ');

/** The same for every protocol revision: initialize (2025) and server/discover (2026-07-28) both show it. */
const SERVER_CAPABILITIES = {
  tools: { listChanged: false },
  prompts: { listChanged: false },
  resources: { subscribe: true, listChanged: true },
};

/**
 * One MCP server instance serving one caller: a sessionful connection (`connection` set: it keeps
 * what the client listed and subscribed to, and hears of changes until it closes, while `listening`
 * says its client can hear), or one request of the session-less revision.
 */
export function createMcpServer(surface: McpSurface, caller: Caller, options: { connection?: boolean; listening?: () => boolean } = {}): Server {
  const server = new Server(
    { name: 'dementia-companion', title: 'Dementia Companion', version: APP_VERSION },
    { capabilities: SERVER_CAPABILITIES, instructions: SERVER_INSTRUCTIONS },
  );
  const watch = options.connection ? new ConnectionResources(caller, server, options.listening) : undefined;
  if (watch) {
    const stop = surface.changes.add(watch);
    const previous = server.onclose;
    server.onclose = () => {
      stop();
      previous?.();
    };
  }
  server.setRequestHandler('tools/list', () => ({ tools: surface.tools.list() }));
  server.setRequestHandler('tools/call', (request, ctx) =>
    surface.tools.call(request.params.name, request.params.arguments, caller, {
      callKey: callKeyOf(ctx.http?.req?.headers.get(IDEMPOTENCY_HEADER), ctx.sessionId, ctx.mcpReq.id),
    }),
  );
  server.setRequestHandler('prompts/list', () => ({ prompts: surface.prompts.list() }));
  server.setRequestHandler('prompts/get', (request) => surface.prompts.get(caller, request.params.name, request.params.arguments));
  server.setRequestHandler('resources/templates/list', () => ({ resourceTemplates: surface.resources.templates() }));
  server.setRequestHandler('resources/list', async (request) => {
    const { result, project } = await surface.resources.list(caller, request.params?.cursor);
    if (watch) watch.listed = project;
    return result;
  });
  server.setRequestHandler('resources/read', (request) => surface.resources.read(caller, request.params.uri));
  server.setRequestHandler('resources/subscribe', async (request) => {
    const address = await surface.resources.checkSubscribable(caller, request.params.uri);
    watch?.subscribe(address, request.params.uri);
    return {};
  });
  server.setRequestHandler('resources/unsubscribe', async (request) => {
    // No existence check: a subscription to a project deleted since must still be removable.
    watch?.unsubscribe(canonicalUri(surface.resources.address(request.params.uri)));
    return {};
  });
  return server;
}
