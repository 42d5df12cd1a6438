import { ProtocolError, ProtocolErrorCode, ResourceNotFoundError } from '@modelcontextprotocol/server';
import type { UserError } from '../errors.ts';

/** Codes that mean "the resource asked for does not exist". */
const NOT_FOUND = new Set(['UNKNOWN_PROJECT', 'CONTEXT_NOT_FOUND', 'VERSION_NOT_FOUND', 'NO_HANDOVER']);

/**
 * A prompt or resource request that fails is a JSON-RPC error (unlike a tool call, which answers
 * with an error result): the client shows it to the user. It keeps the code, the problem and the fix.
 */
export function protocolErrorOf(error: UserError, uri?: string): ProtocolError {
  const message = `${error.code}: ${error.describe()}`;
  // The SDK answers a missing resource as invalid params whose data is exactly { uri } (every revision).
  if (uri !== undefined && NOT_FOUND.has(error.code)) return new ResourceNotFoundError(uri, message);
  const code = error.code === 'INTERNAL_ERROR' ? ProtocolErrorCode.InternalError : ProtocolErrorCode.InvalidParams;
  return new ProtocolError(code, message, { code: error.code, ...(uri !== undefined ? { uri } : {}), ...(error.details ?? {}) });
}
