import { posix, win32 } from 'node:path';
import type { ClientKind } from '../store/clients.ts';

export interface PathContext {
  platform: NodeJS.Platform;
  homeDir: string;
  env: NodeJS.ProcessEnv;
  /** A repository: project-scoped config files go there instead of the user's home. */
  repoDir?: string | undefined;
}

/** The per-user application-data folder the client apps themselves use. */
function appDataDir({ platform, homeDir, env }: PathContext): string {
  const path = platform === 'win32' ? win32 : posix;
  if (platform === 'darwin') return path.join(homeDir, 'Library', 'Application Support');
  if (platform === 'win32') return env.APPDATA || path.join(homeDir, 'AppData', 'Roaming');
  return env.XDG_CONFIG_HOME || path.join(homeDir, '.config');
}

/** The config file a client kind reads, or null where the client is configured by a command only. */
export function configPath(kind: ClientKind, context: PathContext): string | null {
  const path = context.platform === 'win32' ? win32 : posix;
  const { repoDir, homeDir } = context;
  switch (kind) {
    case 'claude-desktop':
      return path.join(appDataDir(context), 'Claude', 'claude_desktop_config.json');
    case 'claude-code':
      return repoDir ? path.join(repoDir, '.mcp.json') : null;
    case 'cursor':
      return repoDir ? path.join(repoDir, '.cursor', 'mcp.json') : path.join(homeDir, '.cursor', 'mcp.json');
    case 'vscode':
      return repoDir ? path.join(repoDir, '.vscode', 'mcp.json') : path.join(appDataDir(context), 'Code', 'User', 'mcp.json');
    case 'other':
      return null;
  }
}

/** The client's own folder the config file lives in: symbolic links below it redirect a write (link-target.ts). */
export function configRoot(kind: ClientKind, context: PathContext): string {
  if (context.repoDir) return context.repoDir;
  return kind === 'cursor' ? context.homeDir : appDataDir(context);
}
