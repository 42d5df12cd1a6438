import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, resolve } from 'node:path';
import { UserError } from '../errors.ts';
import type { Services } from '../services.ts';
import type { ClientKind, ClientRecord } from '../store/clients.ts';
import { applyGitignore, assertGitignoreWritable, planGitignore, type GitignorePlan } from './gitignore.ts';
import { applyClientConfig, assertWritable, planClientConfig, type BridgeLauncher, type ConfigPlan } from './index.ts';
import { configPath } from './config-paths.ts';
import { checkPinnedProject, type PinCheck } from './project-pin.ts';
import type { ReadFile } from './config-file.ts';
import { userScopeEntry, type UserScopeEntry } from './claude-code-state.ts';
import { httpHeaders } from './server-entries.ts';
import { knownTokenUses, ownTokenUses, placesOf } from './token-uses.ts';

/** The client name each kind gets when the user names none. */
export const DEFAULT_CLIENT_NAMES: Record<ClientKind, string> = {
  'claude-desktop': 'Claude Desktop',
  'claude-code': 'Claude Code',
  cursor: 'Cursor',
  vscode: 'VS Code',
  other: 'MCP client',
};

/** Without a name, a repository's config belongs to a client of its own ("Cursor (webshop)"). */
export function defaultClientName(kind: ClientKind, repoDir: string | undefined): string {
  const base = DEFAULT_CLIENT_NAMES[kind];
  return repoDir ? `${base} (${basename(repoDir.replace(/[\\/]+$/, '')) || repoDir})` : base;
}

/** A repository folder as an absolute path; refuses one that is not an existing folder. */
export function resolveRepoDir(dir: string): string {
  const absolute = resolve(dir);
  let isFolder = false;
  try {
    isFolder = statSync(absolute).isDirectory();
  } catch {
    // Missing: refused below.
  }
  if (!isFolder)
    throw new UserError(
      'INVALID_REPO',
      `--repo ${dir} (${absolute}) is not a folder; nothing was written.`,
      "Give the repository's folder, e.g. --repo ~/code/webshop.",
    );
  return absolute;
}

export interface ConnectInput {
  kind: ClientKind;
  /** Default: defaultClientName(kind, repoDir). An existing client of the same kind is reused. */
  clientName?: string | undefined;
  project?: string | undefined;
  /** Create `project` if it does not exist (otherwise an unknown project is refused). */
  createProject?: boolean | undefined;
  /** How the refusal of an unknown project says to create it. */
  createProjectHint?: string | undefined;
  repoDir?: string | undefined;
  /** A token the user already has (the CLI's --token); it must be this client's. */
  token?: string | undefined;
  mcpUrl: string;
  dataDir?: string | undefined;
  homeDir?: string | undefined;
  platform?: NodeJS.Platform | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  bridge?: BridgeLauncher | undefined;
  /** Stands in the preview for a token that only writing issues. */
  placeholder: string;
  readFile?: ReadFile | undefined;
}

/** What connecting does about the client's token. Only `rotate` breaks anything, and needs consent. */
export type TokenAction =
  { action: 'none' } | { action: 'new-client' } | { action: 'given' } | { action: 'reuse'; foundIn: string[] } | { action: 'rotate'; checked: string[] };

export interface ConnectPreview {
  input: ConnectInput;
  clientName: string;
  existing: ClientRecord | undefined;
  project: PinCheck | null;
  token: TokenAction;
  /** The token kept (reused or given); undefined where writing issues one. */
  keptToken: string | undefined;
  /** The change, with the real token where it is reused and the placeholder where writing issues one. */
  plan: ConfigPlan;
  gitignore: GitignorePlan | null;
  /** What writing will do, one sentence each. */
  effects: string[];
  /** Set when writing needs the user's consent to replace the client's token, and why. */
  consequence: string | null;
  /** Claude Code by command in user scope: what ~/.claude.json already holds as "dementia"; null otherwise. */
  userScope: UserScopeEntry | null;
}

export interface ConnectResult {
  client: ClientRecord;
  created: boolean;
  rotated: boolean;
  /** The token in the written config or command; '' for Claude Desktop (no token). */
  token: string;
  plan: ConfigPlan;
  written: { path: string; backupPath: string | null } | null;
  gitignoreUpdated: boolean;
  /** What was done, one sentence each. */
  done: string[];
}

const DESKTOP_NOTE = "its config holds no token: the bridge proves itself with this machine's local secret";

function tokenAction(
  services: Services,
  input: ConnectInput,
  name: string,
  existing: ClientRecord | undefined,
  target: string | null,
): { token: TokenAction; value: string | undefined } {
  if (input.kind === 'claude-desktop') return { token: { action: 'none' }, value: '' };
  if (input.token) {
    const owner = services.clients.authenticate(input.token);
    if (!owner || owner.id !== existing?.id) {
      throw new UserError(
        'INVALID_TOKEN',
        `The token given is not ${existing ? `${name}'s` : `the token of a client named "${name}"`}.`,
        "Pass that client's own token, or leave --token out.",
      );
    }
    return { token: { action: 'given' }, value: input.token };
  }
  if (!existing) return { token: { action: 'new-client' }, value: undefined };
  const context = { platform: input.platform ?? process.platform, homeDir: input.homeDir ?? homedir(), env: input.env ?? process.env };
  const { uses, checked } = knownTokenUses(context, target ? [target] : [], input.readFile);
  const own = ownTokenUses(uses, existing.id, (token) => services.clients.authenticate(token));
  if (own.length > 0) return { token: { action: 'reuse', foundIn: placesOf(own) }, value: own[0]!.token };
  return { token: { action: 'rotate', checked }, value: undefined };
}

function kindMismatch(services: Services, existing: ClientRecord, kind: ClientKind): UserError {
  const free = DEFAULT_CLIENT_NAMES[kind];
  const suggestion = services.clients.byName(free) ? `another name` : `another name, e.g. "${free}"`;
  return new UserError(
    'CLIENT_KIND_MISMATCH',
    `A client named "${existing.name}" already exists and is a ${existing.kind} client; nothing was changed.`,
    `Give this ${kind} client ${suggestion}, or pick the kind ${existing.kind} to configure "${existing.name}" again.`,
  );
}

/**
 * Plans connecting a client without changing anything: which client (an existing one of that name
 * is reused, never duplicated as "Name 2"), which token (a working one found in the user's configs
 * is reused; a new one replaces the current only with consent), the file diff, .gitignore.
 */
export function previewConnect(services: Services, given: ConnectInput): ConnectPreview {
  // Resolved first: a relative path must not be re-read against another folder later (gitignore.ts walks up from it).
  const input = given.repoDir ? { ...given, repoDir: resolveRepoDir(given.repoDir) } : given;
  const clientName = input.clientName?.trim() || defaultClientName(input.kind, input.repoDir);
  const existing = services.clients.byName(clientName);
  if (existing && existing.kind !== input.kind) throw kindMismatch(services, existing, input.kind);
  const project = input.project?.trim() ? checkPinnedProject(services, input.project, input.createProject ?? false, input.createProjectHint) : null;
  const platform = input.platform ?? process.platform;
  const target = configPath(input.kind, { platform, homeDir: input.homeDir ?? homedir(), env: input.env ?? process.env, repoDir: input.repoDir });
  const { token, value } = tokenAction(services, input, clientName, existing, target);
  const plan = planClientConfig({
    kind: input.kind,
    clientName: existing?.name ?? clientName,
    token: value ?? input.placeholder,
    mcpUrl: input.mcpUrl,
    project: project?.name,
    repoDir: input.repoDir,
    homeDir: input.homeDir,
    platform,
    env: input.env,
    bridge: input.bridge,
    dataDir: input.dataDir,
    readFile: input.readFile,
  });
  const gitignore = input.repoDir && plan.path && plan.holdsToken ? planGitignore(plan.path) : null;
  const name = existing?.name ?? clientName;
  const effects: string[] = [];
  if (!existing)
    effects.push(`Registers the client "${name}" (${input.kind})${input.kind === 'claude-desktop' ? `; ${DESKTOP_NOTE}` : ' and issues its token'}.`);
  else if (token.action === 'reuse')
    effects.push(`Uses the current token of "${name}", found in ${token.foundIn.join(', ')}: nothing that works now stops working.`);
  else if (token.action === 'given') effects.push(`Uses the token you gave, the current token of "${name}".`);
  else if (token.action === 'none') effects.push(`Configures the existing client "${name}"; ${DESKTOP_NOTE}.`);
  if (project?.create) effects.push(`Creates the project "${project.name}".`);
  if (gitignore && gitignore.state !== 'ignored') effects.push(gitignore.note);
  const consequence =
    token.action === 'rotate'
      ? `"${name}" already has a token, and none of the configs this app can read holds it (checked: ${token.checked.join(', ')}). ` +
        `Writing issues a new token: the current one stops working wherever "${name}" is still configured with it.`
      : null;
  const userScope =
    input.kind === 'claude-code' && plan.path === null && !project
      ? userScopeEntry(
          { platform, homeDir: input.homeDir ?? homedir() },
          {
            url: input.mcpUrl,
            headers: httpHeaders({ clientName: name, token: value ?? input.placeholder, mcpUrl: input.mcpUrl, project: undefined, dataDir: undefined }),
          },
          input.readFile,
        )
      : null;
  return { input, clientName: name, existing, project, token, keptToken: value || undefined, plan, gitignore, effects, consequence, userScope };
}

/**
 * Does what a preview showed: creates the project, registers the client or issues its token,
 * writes the file (refusing if it changed since the preview), and keeps the token out of git.
 * One transaction: if the file cannot be written, no client or token is left behind.
 */
export function applyConnect(
  services: Services,
  preview: ConnectPreview,
  options: { rotate: boolean; confirmTarget?: string | undefined; now?: Date },
): ConnectResult {
  const fresh = previewConnect(services, preview.input);
  if (fresh.plan.path && (fresh.plan.before !== preview.plan.before || fresh.plan.realPath !== preview.plan.realPath)) {
    throw new UserError('CONFIG_CHANGED', `${fresh.plan.path} changed since the preview; nothing was written.`, 'Preview again, then write.');
  }
  // A file redirected by a link nobody confirmed is refused before any client or token exists.
  assertWritable(fresh.plan, options.confirmTarget);
  assertGitignoreWritable(fresh.gitignore, options.confirmTarget);
  if (fresh.token.action === 'rotate' && !options.rotate) {
    throw new UserError(
      'TOKEN_ROTATION_NEEDED',
      `${fresh.consequence} Nothing was changed.`,
      'Confirm that a new token may replace it, or connect under another client name.',
    );
  }
  const done: string[] = [];
  const result = services.db.transaction(() => {
    if (fresh.project?.create) {
      services.projects.create(fresh.project.name);
      done.push(`Created the project "${fresh.project.name}".`);
    }
    let client = fresh.existing;
    let token = fresh.keptToken ?? '';
    let created = false;
    let rotated = false;
    if (!client) {
      const added = services.clients.add(fresh.clientName, fresh.input.kind, null);
      client = added.client;
      token = fresh.input.kind === 'claude-desktop' ? '' : added.token;
      created = true;
      done.push(`Registered the client "${client.name}" (${client.kind}).`);
    } else if (fresh.token.action === 'rotate') {
      token = services.clients.rotateToken(client.id);
      rotated = true;
      done.push(`Issued a new token for "${client.name}"; its old token stopped working.`);
    } else if (fresh.token.action === 'given') {
      done.push(`Used the token you gave, the current token of "${client.name}".`);
    } else if (fresh.token.action === 'reuse') {
      done.push(`Kept the token of "${client.name}" (from ${fresh.token.foundIn.join(', ')}).`);
    }
    const plan = planClientConfig({
      kind: fresh.input.kind,
      clientName: client.name,
      token,
      mcpUrl: fresh.input.mcpUrl,
      project: fresh.project?.name,
      repoDir: fresh.input.repoDir,
      homeDir: fresh.input.homeDir,
      platform: fresh.input.platform,
      env: fresh.input.env,
      bridge: fresh.input.bridge,
      dataDir: fresh.input.dataDir,
      readFile: fresh.input.readFile,
    });
    const written = plan.path ? applyClientConfig(plan, { now: options.now, confirmTarget: options.confirmTarget }) : null;
    if (written)
      done.push(
        written.backupPath
          ? `Wrote ${written.path} (backup: ${written.backupPath}).`
          : plan.diff === ''
            ? `${written.path} was already up to date.`
            : `Wrote ${written.path}.`,
      );
    // The config is written: a .gitignore that cannot be changed is told, not a reason to undo it.
    let gitignoreUpdated = false;
    try {
      gitignoreUpdated = written !== null && fresh.gitignore !== null && applyGitignore(fresh.gitignore, options.confirmTarget);
    } catch (error) {
      done.push(
        `Could not add ${fresh.gitignore!.entry} to ${fresh.gitignore!.root}/.gitignore (${(error as Error).message}): add it yourself, the file holds a token.`,
      );
    }
    if (gitignoreUpdated) done.push(`Added ${fresh.gitignore!.entry} to ${fresh.gitignore!.root}/.gitignore.`);
    if (fresh.gitignore && fresh.gitignore.state !== 'add' && fresh.gitignore.state !== 'ignored') done.push(fresh.gitignore.note);
    return { client, created, rotated, token, plan, written, gitignoreUpdated, done };
  })();
  return result;
}
