import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { headerValues, readConfigFile } from '../client-config/config-file.ts';
import { claudeCodeStatePath } from '../client-config/token-uses.ts';
import { UserError } from '../errors.ts';
import { CLIENT_HEADER_NAMES } from '../client-headers.ts';
import type { Settings } from '../settings.ts';
import { handoverForReader, laterNote } from '../sessions/handover-choice.ts';
import { normalizeProjectName } from '../store/projects.ts';
import { openServices } from './cli-context.ts';
import type { Output } from './output.ts';

/** The X-Dementia-Project header of the first server in a server map that has one. */
const pinIn = (servers: unknown): string | undefined => headerValues(servers, CLIENT_HEADER_NAMES.project)[0] as string | undefined;

/**
 * The project pinned for a folder, as Claude Code would connect there, looking upwards from `dir`:
 * a local-scope server (`claude mcp add --scope local`, kept in ~/.claude.json per folder) wins over
 * the repository's .mcp.json; a user-scope server with a pin applies everywhere else.
 */
export function pinnedProjectOf(dir: string, homeDir: string = homedir()): string | undefined {
  const state = readConfigFile(claudeCodeStatePath({ platform: process.platform, homeDir }));
  const local = (state?.projects ?? {}) as Record<string, { mcpServers?: unknown } | null>;
  for (let current = dir; ; current = dirname(current)) {
    const pinned = pinIn(local[current]?.mcpServers) ?? pinIn(readConfigFile(join(current, '.mcp.json'))?.mcpServers);
    if (pinned) return pinned;
    if (dirname(current) === current) return pinIn(state?.mcpServers);
  }
}

/**
 * `dementia handover show [--project P]`: the last handover of a project (default: the one the
 * repository pins). With --hook (Claude Code SessionStart) it prints only the handover text and
 * stays silent, exit 0, whenever there is nothing to show: a hook must never block a session.
 */
export async function handoverCommand(
  settings: Settings,
  out: Output,
  action: string | undefined,
  flags: { project?: string | undefined; json: boolean; hook: boolean; cwd: string },
): Promise<void> {
  if (action !== 'show' && !flags.hook)
    throw new UserError('UNKNOWN_COMMAND', `Unknown handover action "${action ?? ''}".`, 'Use: dementia handover show [--project P].');
  const named = flags.project ?? pinnedProjectOf(flags.cwd);
  if (!named) {
    if (flags.hook) return;
    throw new UserError(
      'PROJECT_SELECTION_REQUIRED',
      'No project given and this folder pins none (.mcp.json or a local-scope claude mcp add).',
      'Pass --project P, or pin one: dementia config claude-code --repo . --project P --write.',
    );
  }
  const project = normalizeProjectName(named);
  if (flags.hook && !existsSync(join(settings.dataDir))) return;
  const services = openServices(settings);
  try {
    // The same choice as get_last_handover: a later session that recorded no work does not hide it.
    const chosen = await handoverForReader(services.memory, project);
    const handover = chosen?.handover;
    if (flags.json) return out.json({ project, handover: handover ?? null, laterWithoutWork: chosen?.laterWithoutWork ?? [] });
    if (!handover) {
      if (!flags.hook) out.line(`No handover yet for project "${project}".`);
      return;
    }
    const header = `Last handover of project "${project}" (Dementia Companion): ${handover.clientName}, ended ${new Date(handover.endedAt).toISOString()} (${handover.endReason}).`;
    out.line(flags.hook ? header : out.bold(header));
    out.line(handover.summary);
    if (chosen.laterWithoutWork.length > 0) out.line(`\n${laterNote(chosen.laterWithoutWork)}`);
    // The summary printed above is the whole handover: point at the tool for reading it again, not for "more".
    if (flags.hook) out.line(`\n(That is the whole handover; get_last_handover(project="${project}") reads it again.)`);
  } finally {
    services.db.close();
  }
}
