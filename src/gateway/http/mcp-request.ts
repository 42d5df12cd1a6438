import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, readBody, sendJsonRpcError } from './http-utils.ts';

/**
 * The method check and JSON body of an authenticated MCP request, as local and hosted mode both
 * need them. Answers a bad request itself (405, 413, parse error) and returns undefined then.
 */
export async function readMcpRequest(req: IncomingMessage, res: ServerResponse): Promise<{ body: unknown } | undefined> {
  if (req.method !== 'POST' && req.method !== 'GET' && req.method !== 'DELETE') {
    sendJsonRpcError(res, 405, -32000, `Method ${req.method} is not allowed on /mcp; use POST, GET or DELETE.`, { allow: 'POST, GET, DELETE' });
    return undefined;
  }
  if (req.method !== 'POST') return { body: undefined };
  let raw: Buffer;
  try {
    raw = await readBody(req);
  } catch (error) {
    if (error instanceof HttpError) {
      sendJsonRpcError(res, error.status, -32600, `${error.message} Split large contents into several contexts.`);
      return undefined;
    }
    throw error;
  }
  try {
    return { body: JSON.parse(raw.toString('utf8')) as unknown };
  } catch (error) {
    sendJsonRpcError(res, 400, -32700, `Parse error: the request body is not valid JSON (${(error as Error).message}). Send a JSON-RPC 2.0 message.`);
    return undefined;
  }
}
