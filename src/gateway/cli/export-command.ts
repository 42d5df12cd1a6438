import { UserError } from '../errors.ts';
import { exportMemory, sqliteExportSource, type ExportReport } from '../export/export-memory.ts';
import type { SettingFlags, Settings } from '../settings.ts';
import { openServices } from './cli-context.ts';
import type { Output } from './output.ts';

export interface ExportFlags {
  to?: string | undefined;
  project?: string | undefined;
  json: boolean;
  /** Operator: export a hosted tenant's schema (DEMENTIA_PG_URL) instead of the local store. */
  hosted?: boolean;
  tenant?: string | undefined;
}

const USAGE =
  'dementia export --to DIR [--project P] [--json]\n  or (operator, with DEMENTIA_PG_URL): dementia export --hosted --tenant SCHEMA --to DIR [--project P] [--json]';

/**
 * `dementia export --to DIR`: the memory as plain files a person can read and keep in git, which
 * `dementia import dementia-export --from DIR` brings back. Works beside a running gateway.
 */
export async function exportCommand(settings: Settings, settingFlags: SettingFlags, out: Output, flags: ExportFlags): Promise<void> {
  if (!flags.to) throw new UserError('MISSING_ARGUMENT', 'export needs --to, the folder to write.', `Use: ${USAGE}`);
  if (flags.hosted) {
    const { hostedExportCommand } = await import('./hosted-commands.ts');
    print(out, await hostedExportCommand(settingFlags, flags.tenant, flags.to, flags.project), flags.json);
    return;
  }
  const services = openServices(settings);
  try {
    print(out, await exportMemory(sqliteExportSource(services), flags.to, flags.project), flags.json);
  } finally {
    services.db.close();
  }
}

function print(out: Output, report: ExportReport, json: boolean): void {
  if (json) {
    out.json({
      to: report.to,
      projects: report.projects.map(({ name, contexts, versions, archived, handovers, notes }) => ({ name, contexts, versions, archived, handovers, notes })),
    });
    return;
  }
  out.line(out.bold(`Exported to ${report.to}:`));
  for (const p of report.projects) {
    out.line(`  ${p.name}: ${p.contexts} context(s) (${p.versions} version(s), ${p.archived} archived), ${p.handovers} handover(s), ${p.notes} note(s)`);
  }
  if (report.projects.length === 0) out.line('  no projects yet (manifest.json only)');
  out.line(`Bring it back with: dementia import dementia-export --from ${report.to}`);
}
