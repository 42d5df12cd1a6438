import { applyClientConfig, assertWritable, linkWarning, planClientConfig, type ConfigPlan } from '../client-config/index.ts';
import { UserError } from '../errors.ts';
import type { Settings } from '../settings.ts';
import { defaultDataDir } from '../settings.ts';
import { parseClientKind, type ClientKind } from '../store/clients.ts';
import { normalizeProjectName } from '../store/projects.ts';
import { gatewayPort, mcpUrlOf, openServices } from './cli-context.ts';
import type { Output } from './output.ts';

export interface ConfigFlags {
  client?: string | undefined;
  token?: string | undefined;
  project?: string | undefined;
  createProject?: boolean | undefined;
  repo?: string | undefined;
  write: boolean;
  diff: boolean;
  json: boolean;
  /** The real file behind a symbolic link, repeated by the user to confirm writing it. */
  confirmTarget?: string | undefined;
}

export const DEFAULT_CLIENT_NAMES: Record<ClientKind, string> = {
  'claude-desktop': 'Claude Desktop',
  'claude-code': 'Claude Code',
  cursor: 'Cursor',
  vscode: 'VS Code',
  other: 'MCP client',
};

/** Shown in previews instead of a real token: a preview must not spend (rotate) one. */
export const TOKEN_PLACEHOLDER = '<token issued on --write>';

/**
 * The token for the config: the one given, or a new one. Writing a token-holding config for an
 * existing client rotates its token (tokens are stored hashed, so the old one cannot be shown).
 */
function issueToken(settings: Settings, kind: ClientKind, name: string, project: string | null, given: string | undefined): { token: string; rotated: boolean; created: boolean } {
  const services = openServices(settings);
  try {
    const existing = services.clients.byName(name);
    if (given) {
      const owner = services.clients.authenticate(given);
      if (!owner || owner.id !== existing?.id) throw new UserError('INVALID_TOKEN', `The token given is not ${name}'s.`, 'Pass that client\'s own token, or leave --token out to issue a new one.');
      return { token: given, rotated: false, created: false };
    }
    if (existing) return { token: kind === 'claude-desktop' ? '' : services.clients.rotateToken(existing.id), rotated: kind !== 'claude-desktop', created: false };
    return services.db.transaction(() => {
      if (project) services.projects.create(project);
      return { token: services.clients.add(name, kind, null).token, rotated: false, created: true };
    })();
  } finally {
    services.db.close();
  }
}

/** `dementia config KIND [--client NAME] [--project P] [--repo DIR] [--diff] [--write] [--token T]`. */
export function configCommand(settings: Settings, out: Output, kindText: string | undefined, flags: ConfigFlags): void {
  if (!kindText) throw new UserError('MISSING_ARGUMENT', 'config needs a client kind.', 'Run: dementia config claude-desktop (or claude-code, cursor, vscode).');
  const kind = parseClientKind(kindText);
  const clientName = flags.client ?? DEFAULT_CLIENT_NAMES[kind];
  const project = flags.project ? normalizeProjectName(flags.project) : null;
  const dataDir = settings.dataDir === defaultDataDir() ? undefined : settings.dataDir;
  const plan = (token: string): ConfigPlan =>
    planClientConfig({ kind, clientName, token, mcpUrl: mcpUrlOf(gatewayPort(settings)), project: project ?? undefined, repoDir: flags.repo, dataDir });

  if (!flags.write) {
    const preview = plan(flags.token ?? TOKEN_PLACEHOLDER);
    if (flags.json) return out.json({ written: false, ...preview });
    if (flags.diff) return void (preview.diff === '' ? out.line(`${preview.path ?? 'Nothing'} is already up to date.`) : out.line(preview.diff.trimEnd()));
    out.line(preview.instructions);
    if (preview.realPath) out.line(out.bold(`${linkWarning(preview.path!, preview.realPath)} Writing it needs --confirm-target ${preview.realPath} (or replace the link with a file of its own).`));
    if (preview.command) out.line(`\n${out.bold('Command:')}\n${preview.command}`);
    if (preview.path) out.line(`\n${out.bold('Change to')} ${preview.path}:\n${preview.diff.trimEnd() || '(already up to date)'}`);
    else out.line(`\n${out.bold('Snippet:')}\n${preview.snippet}`);
    out.line(out.dim(`\nNothing was changed. Add --write to ${preview.path ? 'write it (with a backup)' : 'issue the token'}.`));
    return;
  }
  // A redirected file is refused before a token is issued: a refusal changes nothing.
  const check = plan(TOKEN_PLACEHOLDER);
  assertWritable(check, flags.confirmTarget);
  const issued = issueToken(settings, kind, clientName, project, flags.token);
  const final = plan(issued.token);
  const written = final.path ? applyClientConfig(final, { confirmTarget: flags.confirmTarget }) : null;
  if (flags.json) return out.json({ written: written !== null, backupPath: written?.backupPath ?? null, clientName, ...issued, ...final });
  if (issued.created) out.line(`Registered client ${out.bold(clientName)} (${kind}).`);
  if (issued.rotated) out.line(`Issued a new token for ${out.bold(clientName)}; its old token stopped working.`);
  if (written) out.line(`${out.green('Wrote')} ${written.path}${written.backupPath ? ` (backup: ${written.backupPath})` : ''}.`);
  if (final.command) out.line(`\nRun this${written ? ' too, if you also want it outside this repository' : ''}:\n${final.command}`);
  if (!written && !final.command) out.line(`\n${final.instructions}\n${final.snippet}`);
}
