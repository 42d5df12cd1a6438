import { applyClientConfig, linkWarning, resolveBridgeLauncher } from '../client-config/index.ts';
import { planClaudeCodeHook } from '../client-config/claude-code-hook.ts';
import { UserError } from '../errors.ts';
import { defaultDataDir, type Settings } from '../settings.ts';
import type { Output } from './output.ts';

/** `dementia hooks install claude-code [--repo DIR] [--write]`: shows the change, writes it on --write. */
export function hooksCommand(
  settings: Settings,
  out: Output,
  action: string | undefined,
  target: string | undefined,
  flags: { repo?: string | undefined; write: boolean; json: boolean; confirmTarget?: string | undefined },
): void {
  if (action !== 'install' || target !== 'claude-code') {
    throw new UserError(
      'UNKNOWN_COMMAND',
      `Unknown hooks command "${[action, target].filter(Boolean).join(' ')}".`,
      'Use: dementia hooks install claude-code [--repo DIR] [--write].',
    );
  }
  const plan = planClaudeCodeHook({
    launcher: resolveBridgeLauncher(),
    repoDir: flags.repo,
    dataDir: settings.dataDir === defaultDataDir() ? undefined : settings.dataDir,
  });
  const installed = plan.diff === '';
  const written = flags.write && !installed ? applyClientConfig(plan, { confirmTarget: flags.confirmTarget }) : null;
  if (flags.json) return out.json({ written: written !== null, installed: installed || written !== null, backupPath: written?.backupPath ?? null, ...plan });
  const scope = flags.repo ? `this repository's Claude Code conversations` : 'user scope: every Claude Code conversation on this machine';
  if (installed) {
    out.line(`The SessionStart hook is already installed in ${plan.path} (${scope}); nothing was changed.`);
    return;
  }
  if (!written) {
    out.line(plan.instructions);
    if (plan.realPath)
      out.line(`${linkWarning(plan.path!, plan.realPath)} Writing it needs --confirm-target ${plan.realPath} (or replace the link with a file of its own).`);
    out.line(`\n${plan.diff.trimEnd()}`);
    out.line(out.dim('\nNothing was changed. Add --write to install it.'));
    return;
  }
  out.line(`${out.green('Installed')} the SessionStart hook in ${written.path} (${scope})${written.backupPath ? `; backup: ${written.backupPath}` : ''}.`);
  out.line(plan.instructions);
}
