import { applyConnect, previewConnect, type ConnectInput } from '../client-config/connect-plan.ts';
import { linkWarning, SERVER_NAME } from '../client-config/index.ts';
import { UserError } from '../errors.ts';
import type { Settings } from '../settings.ts';
import { defaultDataDir } from '../settings.ts';
import { parseClientKind } from '../store/clients.ts';
import { gatewayPort, mcpUrlOf, openServices } from './cli-context.ts';
import type { Output } from './output.ts';

export interface ConfigFlags {
  client?: string | undefined;
  token?: string | undefined;
  project?: string | undefined;
  createProject?: boolean | undefined;
  repo?: string | undefined;
  /** Consent to replace the client's token when no config this app can read holds the current one. */
  rotateToken?: boolean | undefined;
  /** The real file behind a symbolic link, repeated by the user to confirm writing it. */
  confirmTarget?: string | undefined;
  write: boolean;
  diff: boolean;
  json: boolean;
}

const ALREADY_CONFIGURED = 'Claude Code already has this server in user scope (~/.claude.json): already configured, nothing to run.';
const REMOVE_FIRST = `Claude Code already has another "${SERVER_NAME}" server in user scope (~/.claude.json); the command fails until you remove it: claude mcp remove --scope user ${SERVER_NAME}`;

/** Shown in previews instead of a real token: a preview must not spend (rotate) one. */
export const TOKEN_PLACEHOLDER = '<token issued on --write>';

/**
 * `dementia config KIND [--client NAME] [--project P [--create-project]] [--repo DIR] [--diff]
 * [--write [--rotate-token]] [--token T]`. A preview changes nothing; --write does what it showed.
 */
export function configCommand(settings: Settings, out: Output, kindText: string | undefined, flags: ConfigFlags): void {
  if (!kindText)
    throw new UserError('MISSING_ARGUMENT', 'config needs a client kind.', 'Run: dementia config claude-desktop (or claude-code, cursor, vscode).');
  const input: ConnectInput = {
    kind: parseClientKind(kindText),
    clientName: flags.client,
    project: flags.project,
    createProject: flags.createProject,
    repoDir: flags.repo,
    token: flags.token,
    mcpUrl: mcpUrlOf(gatewayPort(settings)),
    dataDir: settings.dataDir === defaultDataDir() ? undefined : settings.dataDir,
    placeholder: TOKEN_PLACEHOLDER,
  };
  const services = openServices(settings);
  try {
    const preview = previewConnect(services, input);
    if (!flags.write) {
      const { plan } = preview;
      const needsConsent = preview.consequence !== null;
      if (flags.json) {
        return out.json({
          written: false,
          clientName: preview.clientName,
          clientExists: preview.existing !== undefined,
          tokenAction: preview.token,
          effects: preview.effects,
          consequence: preview.consequence,
          userScope: preview.userScope,
          ...plan,
        });
      }
      if (flags.diff) return void (plan.diff === '' ? out.line(`${plan.path ?? 'Nothing'} is already up to date.`) : out.line(plan.diff.trimEnd()));
      out.line(plan.instructions);
      if (plan.realPath)
        out.line(
          out.bold(
            `${linkWarning(plan.path!, plan.realPath)} Writing it needs --confirm-target ${plan.realPath} (or replace the link with a file of its own).`,
          ),
        );
      out.line(`\n${out.bold('Client:')} "${preview.clientName}" (${preview.existing ? 'existing' : 'new'}, ${input.kind})`);
      for (const effect of preview.effects) out.line(`- ${effect}`);
      if (preview.consequence) out.line(`\n${out.red('Warning:')} ${preview.consequence}`);
      if (preview.userScope === 'same') return void out.line(`\n${ALREADY_CONFIGURED}`);
      if (plan.command) out.line(`\n${out.bold('Command:')}\n${plan.command}`);
      if (preview.userScope === 'different') out.line(REMOVE_FIRST);
      if (plan.path) out.line(`\n${out.bold('Change to')} ${plan.path}:\n${plan.diff.trimEnd() || '(already up to date)'}`);
      else out.line(`\n${out.bold('Snippet:')}\n${plan.snippet}`);
      // Without a file, --write only registers the client or issues its token; a kept token needs neither.
      const issues = preview.token.action === 'new-client' || preview.token.action === 'rotate';
      if (plan.path || issues) {
        const write = plan.path ? 'write it (with a backup)' : preview.existing ? 'issue the new token' : 'register the client and issue its token';
        out.line(out.dim(`\nNothing was changed. Add ${needsConsent ? '--write --rotate-token' : '--write'} to ${write}.`));
      } else out.line(out.dim('\nNothing was changed, and --write has nothing to do: run the command above.'));
      return;
    }
    const result = applyConnect(services, preview, { rotate: flags.rotateToken ?? false, confirmTarget: flags.confirmTarget });
    if (flags.json) {
      return out.json({
        written: result.written !== null,
        backupPath: result.written?.backupPath ?? null,
        clientName: result.client.name,
        created: result.created,
        rotated: result.rotated,
        token: result.token,
        gitignoreUpdated: result.gitignoreUpdated,
        userScope: preview.userScope,
        done: result.done,
        ...result.plan,
      });
    }
    for (const line of result.done) out.line(line);
    if (!result.written && preview.userScope === 'same' && !result.created && !result.rotated) return void out.line(ALREADY_CONFIGURED);
    if (!result.written && preview.userScope === 'different') out.line(REMOVE_FIRST);
    if (!result.written && result.plan.command) out.line(`\nRun this:\n${result.plan.command}`);
    if (!result.written && !result.plan.command) out.line(`\n${result.plan.instructions}\n${result.plan.snippet}`);
  } finally {
    services.db.close();
  }
}
