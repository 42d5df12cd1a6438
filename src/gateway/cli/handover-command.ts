import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseConfig } from '../client-config/jsonc-edit.ts';
import { UserError } from '../errors.ts';
import { CLIENT_HEADER_NAMES } from '../http/client-headers.ts';
import type { Settings } from '../settings.ts';
import { normalizeProjectName } from '../store/projects.ts';
import { openServices } from './cli-context.ts';
import type { Output } from './output.ts';

/** The project a repository pins in its .mcp.json (X-Dementia-Project), looking upwards from `dir`. */
export function pinnedProjectOf(dir: string): string | undefined {
  for (let current = dir; ; current = dirname(current)) {
    const path = join(current, '.mcp.json');
    if (existsSync(path)) {
      try {
        const servers = parseConfig(path, readFileSync(path, 'utf8')).mcpServers as Record<string, { headers?: Record<string, string> }> | undefined;
        for (const server of Object.values(servers ?? {})) {
          const header = Object.entries(server?.headers ?? {}).find(([name]) => name.toLowerCase() === CLIENT_HEADER_NAMES.project.toLowerCase());
          if (header) return header[1];
        }
      } catch {
        // An unreadable .mcp.json pins nothing.
      }
    }
    if (dirname(current) === current) return undefined;
  }
}

/**
 * `dementia handover show [--project P]`: the last handover of a project (default: the one the
 * repository pins). With --hook (Claude Code SessionStart) it prints only the handover text and
 * stays silent, exit 0, whenever there is nothing to show: a hook must never block a session.
 */
export function handoverCommand(settings: Settings, out: Output, action: string | undefined, flags: { project?: string | undefined; json: boolean; hook: boolean; cwd: string }): void {
  if (action !== 'show' && !flags.hook) throw new UserError('UNKNOWN_COMMAND', `Unknown handover action "${action ?? ''}".`, 'Use: dementia handover show [--project P].');
  const named = flags.project ?? pinnedProjectOf(flags.cwd);
  if (!named) {
    if (flags.hook) return;
    throw new UserError('PROJECT_SELECTION_REQUIRED', 'No project given and this repository pins none.', 'Pass --project P, or pin one: dementia config claude-code --repo . --project P --write.');
  }
  const project = normalizeProjectName(named);
  if (flags.hook && !existsSync(join(settings.dataDir))) return;
  const services = openServices(settings);
  try {
    const handover = services.handovers.latest(project);
    if (flags.json) return out.json({ project, handover: handover ?? null });
    if (!handover) {
      if (!flags.hook) out.line(`No handover yet for project "${project}".`);
      return;
    }
    const header = `Last handover of project "${project}" (Dementia Companion): ${handover.clientName}, ended ${new Date(handover.endedAt).toISOString()} (${handover.endReason}).`;
    out.line(flags.hook ? header : out.bold(header));
    out.line(handover.summary);
    if (flags.hook) out.line(`\nCall get_last_handover(project="${project}") for the full record.`);
  } finally {
    services.db.close();
  }
}
