/**
 * An MCP `initialize` as any client sends it, over plain HTTP with a bearer token and no SDK: for
 * floods, caps and refusals, where a test needs the bare status and headers of each attempt.
 */
export function postInitialize(mcp: URL | string, token: string, clientName = 'flood'): Promise<Response> {
  return fetch(mcp, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: clientName, version: '1' } },
    }),
  });
}
