import { chmodSync } from 'node:fs';
import { homedir } from 'node:os';
import { UserError } from '../errors.ts';
import type { ClientKind } from '../store/clients.ts';
import { normalizeProjectName } from '../store/projects.ts';
import { backupFile, fileMode, writeFileAtomic } from './atomic-write.ts';
import { resolveBridgeLauncher, type BridgeLauncher } from './bridge-command.ts';
import { readIfExists, type ReadFile } from './config-file.ts';
import { configPath, configRoot } from './config-paths.ts';
import { linkedTarget } from './link-target.ts';
import { setServerEntry } from './jsonc-edit.ts';
import { unifiedDiff } from './line-diff.ts';
import { claudeCodeScope, claudeMcpAddCommand, desktopEntry, SERVER_NAME, typedHttpEntry, urlEntry, type EntryInput } from './server-entries.ts';

export type { ClientKind } from '../store/clients.ts';
export { resolveBridgeLauncher, currentRuntime, type BridgeLauncher, type RuntimeFacts } from './bridge-command.ts';
export { SERVER_NAME } from './server-entries.ts';

/** What connecting one client means: the file edit (previewable as a diff), a command, or both. */
export interface ConfigPlan {
  kind: ClientKind;
  /** The config file to edit, or null where the client is configured by a command (or by hand). */
  path: string | null;
  /** The file as it is now (null: it does not exist, or no file is involved). */
  before: string | null;
  /** The file as it will be written (null: no file is involved). */
  after: string | null;
  /** Unified diff of before → after; '' when the file already says the same. */
  diff: string;
  /** A command the user runs instead of (or besides) the file edit, e.g. `claude mcp add ...`. */
  command: string | null;
  /** The config fragment to paste by hand: our server entry only. */
  snippet: string;
  /** What to do, in a sentence or two. */
  instructions: string;
  /** Mode to write the file with: 0600 when it holds a token. */
  fileMode: number | null;
  /** True when the file holds a client token (show it with care). */
  holdsToken: boolean;
  /** The client's own folder `path` is in; symbolic links below it redirect the write. */
  configRoot: string | null;
  /** Where the write really lands when such a link redirects it (writing needs that target confirmed); else null. */
  realPath: string | null;
}

export interface PlanInput {
  kind: ClientKind;
  clientName: string;
  token: string;
  mcpUrl: string;
  /** Pins this project in the client's config (header, or the bridge's --project). */
  project?: string | undefined;
  /** A repository: Claude Code, Cursor and VS Code get that repository's config file. */
  repoDir?: string | undefined;
  homeDir?: string | undefined;
  platform?: NodeJS.Platform | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** How Claude Desktop launches the bridge; defaults to this runtime (resolveBridgeLauncher). */
  bridge?: BridgeLauncher | undefined;
  /** A non-default data folder the bridge must use (passed as DEMENTIA_DATA_DIR). */
  dataDir?: string | undefined;
  /** Reads the current file; injectable for tests. */
  readFile?: ReadFile | undefined;
}

const fragment = (group: string, entry: unknown): string => JSON.stringify({ [group]: { [SERVER_NAME]: entry } }, null, 2);

/** Plans the config change for one client; reads the current file but writes nothing. */
export function planClientConfig(input: PlanInput): ConfigPlan {
  const platform = input.platform ?? process.platform;
  const entryInput: EntryInput = {
    clientName: input.clientName,
    token: input.token,
    mcpUrl: input.mcpUrl,
    project: input.project ? normalizeProjectName(input.project) : undefined,
    dataDir: input.dataDir,
  };
  const pathContext = { platform, homeDir: input.homeDir ?? homedir(), env: input.env ?? process.env, repoDir: input.repoDir };
  const path = configPath(input.kind, pathContext);
  const pinNote = entryInput.project ? ` It pins project "${entryInput.project}".` : '';
  let group = 'mcpServers';
  let entry: unknown;
  let command: string | null = null;
  let instructions: string;
  let holdsToken = true;
  switch (input.kind) {
    case 'claude-desktop':
      entry = desktopEntry(entryInput, input.bridge ?? resolveBridgeLauncher());
      holdsToken = false;
      instructions = `Claude Desktop starts the Dementia stdio bridge from ${path}; quit and reopen Claude Desktop once after writing.${pinNote}`;
      break;
    case 'claude-code':
      entry = typedHttpEntry(entryInput);
      command = claudeMcpAddCommand(entryInput, platform, claudeCodeScope(entryInput, input.repoDir));
      // Claude Code's scopes: user (every folder) and local (one folder, only you) live in
      // ~/.claude.json; project scope is the repository's .mcp.json. Local wins over project.
      instructions = path
        ? `Writes ${path}: Claude Code in this repository connects over HTTP.${pinNote} The file holds a token, so it must stay out of git. ` +
          // Claude Code ignores a project's new .mcp.json until the user approves it (until then
          // `claude mcp get dementia` shows the user-scope entry, without the pin).
          `Claude Code uses a new .mcp.json only after you approve it: start claude in ${input.repoDir} and accept "dementia" when it asks (claude mcp reset-project-choices asks again). ` +
          `Or, to keep the token out of the repository folder: run the command in ${input.repoDir} instead (local scope: only you, only that folder, kept in ~/.claude.json). Local scope needs no approval.`
        : entryInput.project
          ? `Run the command in the folder of the repository this project belongs to: local scope applies to that folder only and is kept in ~/.claude.json, not in git.${pinNote}`
          : `Run the command once: user scope, so Claude Code connects in every folder (kept in ~/.claude.json).${pinNote} To pin a project per repository, configure that repository (its .mcp.json) with a project.`;
      break;
    case 'cursor':
      entry = urlEntry(entryInput);
      instructions = `Writes ${path}; Cursor picks it up on its own (or reload the window).${pinNote}`;
      break;
    case 'vscode':
      group = 'servers';
      entry = typedHttpEntry(entryInput);
      instructions = `Writes ${path}; VS Code shows "dementia" under MCP servers (start it there once).${pinNote}`;
      break;
    case 'other':
      entry = urlEntry(entryInput);
      instructions = `Point any Streamable HTTP MCP client at ${input.mcpUrl} with the header "Authorization: Bearer <token>".${pinNote}`;
      break;
  }
  const snippet = fragment(group, entry);
  if (path === null) {
    return {
      kind: input.kind,
      path,
      before: null,
      after: null,
      diff: '',
      command,
      snippet,
      instructions,
      fileMode: null,
      holdsToken,
      configRoot: null,
      realPath: null,
    };
  }
  const root = configRoot(input.kind, pathContext);
  const realPath = linkedTarget(path, root);
  const before = (input.readFile ?? readIfExists)(path);
  const after = setServerEntry(path, before, group, SERVER_NAME, entry);
  const mode = holdsToken ? 0o600 : (fileMode(path) ?? 0o644);
  return {
    kind: input.kind,
    path,
    before,
    after,
    diff: unifiedDiff(realPath ? `${path} -> ${realPath}` : path, before, after),
    command,
    snippet,
    instructions,
    fileMode: mode,
    holdsToken,
    configRoot: root,
    realPath,
  };
}

/** Said in every preview of a redirected path, before anything else. */
export const linkWarning = (path: string, realPath: string): string =>
  `${path} is a symbolic link to ${realPath}: writing would change that file, which may belong to another program.`;

/**
 * The file a plan may write: its own path, or the target of a link the caller confirmed by naming
 * it (`confirmTarget`). Refuses a redirect nobody confirmed, and a link that changed since the preview.
 */
/** Throws what applyClientConfig would throw about links, without writing anything. */
export function assertWritable(plan: ConfigPlan, confirmTarget: string | undefined): void {
  if (plan.path !== null) writableTarget(plan as ConfigPlan & { path: string }, confirmTarget);
}

function writableTarget(plan: ConfigPlan & { path: string }, confirmTarget: string | undefined): string {
  const realPath = plan.configRoot ? linkedTarget(plan.path, plan.configRoot) : null;
  if (realPath !== plan.realPath) {
    throw new UserError(
      'CONFIG_CHANGED',
      `${plan.path} now leads somewhere else than when it was previewed; nothing was written.`,
      'Preview again, then write.',
    );
  }
  if (realPath === null) return plan.path;
  if (confirmTarget !== realPath) {
    throw new UserError(
      'CONFIG_IS_LINK',
      `${plan.path} is a symbolic link to ${realPath}, outside the client's own config; writing would change that file. Nothing was written.`,
      `If ${realPath} really is this client's config (a dotfile manager's link), confirm that target: add --confirm-target ${realPath} (the status window asks for it). Otherwise give the client a file of its own: rm ${plan.path}, then write again.`,
    );
  }
  return realPath;
}

/**
 * Writes a plan: refuses if the file changed since it was planned (so the diff shown is the diff
 * applied), keeps a time-stamped backup of the old file, writes atomically with the plan's mode.
 */
export function applyClientConfig(
  plan: ConfigPlan,
  options: { now?: Date; confirmTarget?: string | undefined } = {},
): { path: string; backupPath: string | null } {
  if (plan.path === null || plan.after === null) {
    throw new UserError(
      'NOTHING_TO_WRITE',
      `A ${plan.kind} client is not configured by a file.`,
      plan.command ? `Run: ${plan.command}` : 'Paste the snippet into the client.',
    );
  }
  const target = writableTarget(plan as ConfigPlan & { path: string }, options.confirmTarget);
  const current = readIfExists(target);
  if (current !== plan.before) {
    throw new UserError('CONFIG_CHANGED', `${plan.path} changed since the preview; nothing was written.`, 'Preview again, then write.');
  }
  if (current === plan.after) {
    // Already configured: no rewrite, no backup; only make sure a token file is private.
    if (plan.holdsToken) chmodSync(target, 0o600);
    return { path: target, backupPath: null };
  }
  const backupPath = current === null ? null : backupFile(target, options.now ?? new Date());
  writeFileAtomic(target, plan.after, plan.fileMode ?? 0o600);
  return { path: target, backupPath };
}
