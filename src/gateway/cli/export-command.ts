import { UserError } from '../errors.ts';
import { exportMemory } from '../export/export-memory.ts';
import type { Settings } from '../settings.ts';
import { openServices } from './cli-context.ts';
import type { Output } from './output.ts';

export interface ExportFlags {
  to?: string | undefined;
  project?: string | undefined;
  json: boolean;
}

const USAGE = 'dementia export --to DIR [--project P] [--json]';

/**
 * `dementia export --to DIR`: the memory as plain files a person can read and keep in git, which
 * `dementia import dementia-export --from DIR` brings back. Works beside a running gateway.
 */
export function exportCommand(settings: Settings, out: Output, flags: ExportFlags): void {
  if (!flags.to) throw new UserError('MISSING_ARGUMENT', 'export needs --to, the folder to write.', `Use: ${USAGE}`);
  const services = openServices(settings);
  try {
    const report = exportMemory(services, flags.to, flags.project);
    if (flags.json) {
      out.json({ to: report.to, projects: report.projects.map(({ name, contexts, versions, archived, handovers, notes }) => ({ name, contexts, versions, archived, handovers, notes })) });
      return;
    }
    out.line(out.bold(`Exported to ${report.to}:`));
    for (const p of report.projects) {
      out.line(`  ${p.name}: ${p.contexts} context(s) (${p.versions} version(s), ${p.archived} archived), ${p.handovers} handover(s), ${p.notes} note(s)`);
    }
    if (report.projects.length === 0) out.line('  no projects yet (manifest.json only)');
    out.line(`Bring it back with: dementia import dementia-export --from ${report.to}`);
  } finally {
    services.db.close();
  }
}
