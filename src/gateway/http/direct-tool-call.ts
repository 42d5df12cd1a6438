import type { IncomingMessage, ServerResponse } from 'node:http';
import { ProtocolError, ProtocolErrorCode, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';

/**
 * A plain `tools/call` on an established 2025-era session: the one request clients send over and
 * over. The endpoint answers it itself, as the SDK would, without building a web Request,
 * validating the message with the SDK's schemas and streaming a web Response (together most of a
 * call's cost and garbage; the dispatcher validates the arguments itself). Anything else (batches,
 * other methods, `_meta` beyond a progress token, task-augmented calls, odd headers, the
 * session-less revision) goes through the SDK, which owns every error answer about it.
 */
export interface DirectToolCall {
  id: string | number;
  name: string;
  args: Record<string, unknown> | undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const LEGACY_VERSIONS = new Set(SUPPORTED_PROTOCOL_VERSIONS.filter((version) => version < '2026-07-28'));
const PARAM_KEYS = new Set(['name', 'arguments', '_meta']);

export function directToolCall(req: IncomingMessage, body: unknown): DirectToolCall | undefined {
  if (req.method !== 'POST' || !isObject(body) || body.jsonrpc !== '2.0' || body.method !== 'tools/call') return undefined;
  const { id, params } = body;
  if ((typeof id !== 'string' && typeof id !== 'number') || !isObject(params) || typeof params.name !== 'string') return undefined;
  if (params.arguments !== undefined && !isObject(params.arguments)) return undefined;
  if (Object.keys(params).some((key) => !PARAM_KEYS.has(key))) return undefined;
  if (params._meta !== undefined && !(isObject(params._meta) && Object.keys(params._meta).every((key) => key === 'progressToken'))) return undefined;
  const accept = req.headers.accept ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) return undefined;
  if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) return undefined;
  const version = req.headers['mcp-protocol-version'];
  if (version !== undefined && !LEGACY_VERSIONS.has(String(version))) return undefined;
  return { id, name: params.name, args: params.arguments as Record<string, unknown> | undefined };
}

/** The JSON-RPC error the SDK answers for a handler that threw. */
export function errorOf(error: unknown): { code: number; message: string; data?: unknown } {
  if (error instanceof ProtocolError) {
    const code = error.code === ProtocolErrorCode.ResourceNotFound ? ProtocolErrorCode.InvalidParams : error.code;
    return { code, message: error.message, ...(error.data !== undefined ? { data: error.data } : {}) };
  }
  return { code: ProtocolErrorCode.InternalError, message: error instanceof Error ? error.message : 'Internal error' };
}

/** Writes a JSON-RPC answer as the SDK's JSON-response transport does. */
export function writeJsonRpc(res: ServerResponse, sessionId: string, message: unknown): void {
  const body = JSON.stringify(message);
  res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': sessionId, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}
