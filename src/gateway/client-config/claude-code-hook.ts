import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { BridgeLauncher } from './bridge-command.ts';
import type { ConfigPlan } from './index.ts';
import { linkedTarget } from './link-target.ts';
import { parseConfig, setServerEntry } from './jsonc-edit.ts';
import { unifiedDiff } from './line-diff.ts';

/** Marks our hook so that installing again replaces it instead of adding a second one. */
export const HOOK_MARKER = 'handover show --hook';

export interface HookInput {
  /** Node + CLI script (or the app binary), as for the stdio bridge. */
  launcher: BridgeLauncher;
  /** A repository: its .claude/settings.json; else the user's ~/.claude/settings.json. */
  repoDir?: string | undefined;
  homeDir?: string | undefined;
  dataDir?: string | undefined;
  readFile?: ((path: string) => string | null) | undefined;
}

const quoteArg = (text: string): string => (/^[\w@%+=:,./-]+$/.test(text) ? text : `"${text.replace(/(["\\$`])/g, '\\$1')}"`);

interface HookGroup {
  matcher?: string;
  hooks?: { type?: string; command?: string }[];
}

/**
 * Claude Code's SessionStart hook: what a command prints there is added to the new conversation,
 * so the model starts with the waiting handover of the repository's project.
 */
export function planClaudeCodeHook(input: HookInput): ConfigPlan {
  const root = input.repoDir ?? input.homeDir ?? homedir();
  const path = join(root, '.claude', 'settings.json');
  const realPath = linkedTarget(path, root);
  const env = input.dataDir ? `DEMENTIA_DATA_DIR=${quoteArg(input.dataDir)} ` : '';
  const command = `${env}${[input.launcher.command, ...input.launcher.args, ...HOOK_MARKER.split(' ')].map(quoteArg).join(' ')}`;
  const before = (input.readFile ?? ((p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : null)))(path);
  const settings = parseConfig(path, before ?? '');
  const hooks = (settings.hooks ?? {}) as Record<string, HookGroup[] | undefined>;
  const others = (hooks.SessionStart ?? []).filter((group) => !group.hooks?.some((hook) => hook.command?.includes(HOOK_MARKER)));
  const ours: HookGroup = { matcher: 'startup|clear', hooks: [{ type: 'command', command }] };
  const after = setServerEntry(path, before, 'hooks', 'SessionStart', [...others, ours]);
  return {
    kind: 'claude-code',
    path,
    before,
    after,
    diff: unifiedDiff(realPath ? `${path} -> ${realPath}` : path, before, after),
    command: null,
    snippet: JSON.stringify({ hooks: { SessionStart: [ours] } }, null, 2),
    instructions:
      `Each new Claude Code conversation${input.repoDir ? ' in this repository' : ''} starts with the waiting handover of the project ` +
      "pinned for its folder (X-Dementia-Project in the repository's .mcp.json, or in a `claude mcp add --scope local` there). " +
      'In a folder without a pin, or without a waiting handover, it prints nothing.',
    fileMode: 0o600,
    holdsToken: false,
    configRoot: root,
    realPath,
  };
}
