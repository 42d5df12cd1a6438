import type { ClientKind } from '../store/clients.ts';

/** How to connect one client kind to the gateway, as text a user can paste. */
export interface ConnectionSnippet {
  /** What to do, in one sentence. */
  instructions: string;
  /** A command to run or a config fragment to paste. */
  snippet: string;
}

const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

export function connectionSnippet(kind: ClientKind, name: string, token: string, mcpUrl: string): ConnectionSnippet {
  const httpEntry = (urlKey: string) =>
    JSON.stringify({ mcpServers: { dementia: { [urlKey]: mcpUrl, headers: { Authorization: `Bearer ${token}` } } } }, null, 2);
  switch (kind) {
    case 'claude-code':
      return {
        instructions: 'Run this once (user scope), or put the JSON into a repository\'s .mcp.json:',
        snippet: `claude mcp add --transport http --scope user dementia ${mcpUrl} --header ${quote(`Authorization: Bearer ${token}`)}`,
      };
    case 'claude-desktop':
      return {
        instructions: 'Add this to claude_desktop_config.json (Desktop starts local servers as commands):',
        snippet: JSON.stringify(
          { mcpServers: { dementia: { command: 'dementia', args: ['connect', '--client', name] } } },
          null,
          2,
        ),
      };
    case 'vscode':
      return {
        instructions: 'Add this to .vscode/mcp.json or your user mcp.json:',
        snippet: JSON.stringify({ servers: { dementia: { type: 'http', url: mcpUrl, headers: { Authorization: `Bearer ${token}` } } } }, null, 2),
      };
    case 'cursor':
      return { instructions: 'Add this to ~/.cursor/mcp.json:', snippet: httpEntry('url') };
    case 'other':
      return { instructions: 'Point any Streamable HTTP MCP client at the URL with this header:', snippet: httpEntry('url') };
  }
}
