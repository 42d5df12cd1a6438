/** Sent by the stdio bridge with one value per forwarded request, the same on every retry of it. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';

const MAX_KEY = 200;

/**
 * The key a tools/call is applied once under (see ToolDispatcher.call): the request's
 * Idempotency-Key with the JSON-RPC id (which tells the calls of one batch apart); else the MCP
 * session with the JSON-RPC id, since a client never reuses a request id within a session, so a
 * repeated one is the same request sent again. Session-less requests without the header have none.
 */
export function callKeyOf(idempotencyKey: string | null | undefined, sessionId: string | null | undefined, requestId: string | number): string | undefined {
  const id = `${typeof requestId}:${String(requestId).slice(0, MAX_KEY)}`;
  if (idempotencyKey) return `key:${idempotencyKey.slice(0, MAX_KEY)}:${id}`;
  if (sessionId) return `session:${sessionId}:${id}`;
  return undefined;
}
