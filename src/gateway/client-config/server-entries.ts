import { CLIENT_HEADER_NAMES } from '../client-headers.ts';
import { DEFAULT_PORT } from '../settings.ts';
import type { BridgeLauncher } from './bridge-command.ts';

/** The key of our entry in every client's server list. */
export const SERVER_NAME = 'dementia';

export interface EntryInput {
  clientName: string;
  token: string;
  mcpUrl: string;
  project: string | undefined;
  dataDir: string | undefined;
}

/** The headers an HTTP client sends: its token, and a project pin if the config sets one. */
export function httpHeaders(input: EntryInput): Record<string, string> {
  return {
    Authorization: `Bearer ${input.token}`,
    ...(input.project ? { [CLIENT_HEADER_NAMES.project]: input.project } : {}),
  };
}

/**
 * Claude Desktop's entry: the stdio bridge, acting for the client by name (no token in the file:
 * the bridge proves by challenge-response that it holds the data folder's local secret, and
 * survives token rotation).
 */
export function desktopEntry(input: EntryInput, launcher: BridgeLauncher): Record<string, unknown> {
  const args = [...launcher.args, 'connect', '--client', input.clientName, ...(input.project ? ['--project', input.project] : [])];
  const port = Number(new URL(input.mcpUrl).port || 80);
  const env: Record<string, string> = {
    ...launcher.env,
    ...(input.dataDir ? { DEMENTIA_DATA_DIR: input.dataDir } : {}),
    ...(port !== DEFAULT_PORT ? { DEMENTIA_PORT: String(port) } : {}),
  };
  return { command: launcher.command, args, ...(Object.keys(env).length > 0 ? { env } : {}) };
}

/** Claude Code's `.mcp.json` and VS Code's `mcp.json` both name the transport. */
export const typedHttpEntry = (input: EntryInput) => ({ type: 'http', url: input.mcpUrl, headers: httpHeaders(input) });

/** Cursor's `mcp.json`: a url entry is a remote (Streamable HTTP) server. */
export const urlEntry = (input: EntryInput) => ({ url: input.mcpUrl, headers: httpHeaders(input) });

/** Quotes for the shell the user pastes into: POSIX shells, or cmd/PowerShell on Windows. */
function shellQuote(text: string, platform: NodeJS.Platform): string {
  if (/^[\w@%+=:,./-]+$/.test(text)) return text;
  if (platform === 'win32' || !/["$`\\!]/.test(text)) return `"${text.replace(/"/g, '\\"')}"`;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Claude Code's scope for `claude mcp add`: user (every folder) or local (one folder, only you). */
export type ClaudeCodeScope = 'user' | 'local';

/**
 * User scope (every repository) for a client of no particular repository; local scope, which
 * Claude Code keeps per folder, for a pinned project or a repository's own client: run it inside
 * that repository (a user-scope entry would serve every folder, or collide with the existing one).
 */
export const claudeCodeScope = (input: Pick<EntryInput, 'project'>, repoDir: string | undefined): ClaudeCodeScope =>
  input.project || repoDir ? 'local' : 'user';

export function claudeMcpAddCommand(input: EntryInput, platform: NodeJS.Platform, scope: ClaudeCodeScope): string {
  const headers = Object.entries(httpHeaders(input)).flatMap(([name, value]) => ['--header', shellQuote(`${name}: ${value}`, platform)]);
  return ['claude', 'mcp', 'add', '--transport', 'http', '--scope', scope, SERVER_NAME, shellQuote(input.mcpUrl, platform), ...headers].join(' ');
}
