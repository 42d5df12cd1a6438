import type { IncomingMessage } from 'node:http';
import type { ClientRecord } from '../store/clients.ts';
import type { Caller } from '../sessions/caller.ts';
import { CLIENT_HEADER_NAMES } from '../client-headers.ts';
import { headerValue } from './http-utils.ts';

const MAX_INSTANCE_KEY = 256;

/** The bridge percent-encodes names and paths (header values must be Latin-1); plain values pass through. */
function decodeHeader(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Who is calling, from an MCP request and the client its token authenticated (local and hosted
 * alike): which instance of the client (a window, a repository), and the project its config pins.
 * The pin is not checked here: it is resolved like a stored pin on each call, and a pin naming no
 * project is refused there (invariant 1), the same in both modes.
 */
export function callerOfRequest(req: IncomingMessage, client: ClientRecord, tenant?: string): Caller {
  const instanceKey = decodeHeader(headerValue(req, CLIENT_HEADER_NAMES.instance.toLowerCase()) ?? '')
    .trim()
    .slice(0, MAX_INSTANCE_KEY);
  const pinnedProject = headerValue(req, CLIENT_HEADER_NAMES.project.toLowerCase())?.trim() || undefined;
  return { client, instanceKey, pinnedProject, ...(tenant !== undefined ? { tenant } : {}) };
}
