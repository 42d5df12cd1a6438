import { claudeCodeStatePath } from './token-uses.ts';
import { readConfigFile, readIfExists, type ReadFile } from './config-file.ts';
import { SERVER_NAME } from './server-entries.ts';

/** What Claude Code's user scope (~/.claude.json) already holds under our server name. */
export type UserScopeEntry = 'none' | 'same' | 'different';

const sameHeaders = (a: unknown, b: Record<string, string>): boolean => {
  if (!a || typeof a !== 'object') return false;
  const entries = Object.entries(a as Record<string, unknown>);
  return entries.length === Object.keys(b).length && entries.every(([name, value]) => b[name] === value);
};

/**
 * Compares the user-scope "dementia" entry with the one `claude mcp add --scope user` would add:
 * the same entry needs no command (running it fails: "already exists"); a different one must be
 * removed first.
 */
export function userScopeEntry(
  context: { platform: NodeJS.Platform; homeDir: string },
  planned: { url: string; headers: Record<string, string> },
  read: ReadFile = readIfExists,
): UserScopeEntry {
  const servers = readConfigFile(claudeCodeStatePath(context), read)?.mcpServers;
  const entry = servers && typeof servers === 'object' ? (servers as Record<string, { url?: unknown; headers?: unknown } | null>)[SERVER_NAME] : undefined;
  if (!entry) return 'none';
  return entry.url === planned.url && sameHeaders(entry.headers, planned.headers) ? 'same' : 'different';
}
