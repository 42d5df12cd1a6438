import { posix, win32 } from 'node:path';
import { configPath, type PathContext } from './config-paths.ts';
import { headerValues, readConfigFile, readIfExists, type ReadFile } from './config-file.ts';

/** A client token found in a config file: where it is, in words a user recognises. */
export interface TokenUse {
  path: string;
  /** E.g. "~/.cursor/mcp.json" or "Claude Code, user scope (~/.claude.json)". */
  label: string;
  token: string;
}

/** Our tokens (dct_...) in the Authorization headers of a server map. */
function tokensIn(servers: unknown): string[] {
  return headerValues(servers, 'authorization').flatMap((value) => {
    const match = typeof value === 'string' ? /^Bearer\s+(dct_[\w-]+)\s*$/.exec(value) : null;
    return match ? [match[1]!] : [];
  });
}

/** Where Claude Code keeps its user- and local-scope servers (`claude mcp add`). */
export function claudeCodeStatePath(context: Pick<PathContext, 'platform' | 'homeDir'>): string {
  return (context.platform === 'win32' ? win32 : posix).join(context.homeDir, '.claude.json');
}

/**
 * Every client token in the config files this app knows (and which files those are): Cursor's and VS Code's user files,
 * Claude Code's ~/.claude.json (user scope, and local scope per folder), and `extraPaths` (e.g. the
 * repository file about to be written). Used to reuse a client's working token instead of issuing a
 * new one, and to say which configs a new token would break.
 */
export function knownTokenUses(
  context: PathContext,
  extraPaths: readonly string[] = [],
  read: ReadFile = readIfExists,
): { uses: TokenUse[]; checked: string[] } {
  const home = context.homeDir;
  const short = (path: string) => (path.startsWith(home) ? `~${path.slice(home.length)}` : path);
  const uses: TokenUse[] = [];
  const files = new Set<string>();
  for (const kind of ['cursor', 'vscode'] as const) {
    const path = configPath(kind, { ...context, repoDir: undefined });
    if (path) files.add(path);
  }
  for (const path of extraPaths) files.add(path);
  for (const path of files) {
    const config = readConfigFile(path, read);
    for (const token of [...tokensIn(config?.mcpServers), ...tokensIn(config?.servers)]) uses.push({ path, label: short(path), token });
  }
  const statePath = claudeCodeStatePath(context);
  const state = readConfigFile(statePath, read);
  for (const token of tokensIn(state?.mcpServers)) uses.push({ path: statePath, label: `Claude Code, user scope (${short(statePath)})`, token });
  for (const [folder, settings] of Object.entries((state?.projects ?? {}) as Record<string, { mcpServers?: unknown } | null>)) {
    for (const token of tokensIn(settings?.mcpServers))
      uses.push({ path: statePath, label: `Claude Code, local scope in ${short(folder)} (${short(statePath)})`, token });
  }
  return { uses, checked: [...files, statePath].map(short) };
}

/** The uses whose token is `clientId`'s own (it authenticates as that client). */
export function ownTokenUses(uses: readonly TokenUse[], clientId: string, authenticate: (token: string) => { id: string } | undefined): TokenUse[] {
  return uses.filter((use) => authenticate(use.token)?.id === clientId);
}

/** Where those uses are, each place once, in words a user recognises. */
export const placesOf = (uses: readonly TokenUse[]): string[] => [...new Set(uses.map((use) => use.label))];
