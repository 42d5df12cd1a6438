import { existsSync, readFileSync } from 'node:fs';
import { parseConfig } from './jsonc-edit.ts';

/** Reads a file's text, or null when there is none (injectable in tests). */
export type ReadFile = (path: string) => string | null;

export const readIfExists: ReadFile = (path) => (existsSync(path) ? readFileSync(path, 'utf8') : null);

/** A client's config file, parsed; undefined when it is missing or unreadable (it then holds nothing to use). */
export function readConfigFile(path: string, read: ReadFile = readIfExists): Record<string, unknown> | undefined {
  try {
    const text = read(path);
    return text === null ? undefined : parseConfig(path, text);
  } catch {
    return undefined;
  }
}

type Servers = Record<string, { headers?: Record<string, unknown> } | null | undefined>;

/** The values of request header `name` (any case) of every server in a server map (mcpServers, servers). */
export function headerValues(servers: unknown, name: string): unknown[] {
  if (!servers || typeof servers !== 'object') return [];
  const wanted = name.toLowerCase();
  return Object.values(servers as Servers).flatMap((server) =>
    Object.entries(server?.headers ?? {})
      .filter(([header]) => header.toLowerCase() === wanted)
      .map(([, value]) => value),
  );
}
