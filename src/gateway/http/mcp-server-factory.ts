import { Server } from '@modelcontextprotocol/server';
import type { ToolDispatcher } from '../tools/dispatcher.ts';
import type { Caller } from '../tools/tool.ts';
import { APP_VERSION } from '../version.ts';

/** Told to every model at initialize: how to use this memory well. */
export const SERVER_INSTRUCTIONS = [
  'Dementia Companion is project memory shared by all of the user\'s Claude clients and machines.',
  'Each client works on one project at a time; it stays selected across reconnects. If a tool answers',
  'PROJECT_SELECTION_REQUIRED, ask the user which project (list_projects) and call select_project_for_session once.',
  'At the start of work read get_last_handover. Lock decisions, specs and rules with lock_context (rules as',
  'priority always_check), and call check_contexts before risky actions. Search before asking the user again.',
  'When the work is done, call end_session with a summary and next steps so the next session can continue.',
].join(' ');

/** One MCP server instance serving one caller (a connection, or one request of the session-less revision). */
export function createMcpServer(dispatcher: ToolDispatcher, caller: Caller): Server {
  const server = new Server(
    { name: 'dementia-companion', title: 'Dementia Companion', version: APP_VERSION },
    { capabilities: { tools: { listChanged: false } }, instructions: SERVER_INSTRUCTIONS },
  );
  server.setRequestHandler('tools/list', () => ({ tools: dispatcher.list() }));
  server.setRequestHandler('tools/call', (request) => dispatcher.call(request.params.name, request.params.arguments, caller));
  return server;
}
