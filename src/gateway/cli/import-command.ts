import { isUserError, UserError } from '../errors.ts';
import type { ImportReport } from '../import/plan-writer.ts';
import { describeProjectCounts, IMPORT_KINDS, runImport } from '../import/run-import.ts';
import type { Settings } from '../settings.ts';
import { openServices } from './cli-context.ts';
import type { Output } from './output.ts';

export interface ImportFlags {
  from?: string | undefined;
  project?: string | undefined;
  merge: boolean;
  dryRun: boolean;
  json: boolean;
}

const USAGE =
  'dementia import claude-dementia --from <postgres-url | sqlite-file | folder> [--merge] [--dry-run] [--json]\n  or: dementia import server-memory --from <memory.jsonl> --project P [--dry-run] [--json]\n  or: dementia import dementia-export --from DIR [--dry-run] [--json]';

/** Imports this many rows and more show a progress line. */
const PROGRESS_FROM_ROWS = 1000;

/**
 * `dementia import KIND --from SOURCE`: brings in the memory of a server people switch from. Works
 * whether or not the gateway runs on the same data folder (SQLite WAL; short write transactions).
 */
export async function importCommand(settings: Settings, out: Output, kind: string | undefined, flags: ImportFlags): Promise<void> {
  if (!kind || !IMPORT_KINDS.includes(kind as never)) {
    throw new UserError('UNKNOWN_COMMAND', kind ? `Cannot import from "${kind}".` : 'Say what to import from.', `Use: ${USAGE}`);
  }
  if (!flags.from) throw new UserError('MISSING_ARGUMENT', `import ${kind} needs --from.`, `Use: ${USAGE}`);
  const services = openServices(settings);
  let shownStep = -1;
  try {
    const report = await runImport({ kind, from: flags.from, project: flags.project, merge: flags.merge, dryRun: flags.dryRun }, services, {
      dataDir: settings.dataDir,
      onProgress: (done, total) => {
        if (total < PROGRESS_FROM_ROWS || flags.dryRun) return;
        const step = Math.floor((done / total) * 10);
        if (step === shownStep) return;
        shownStep = step;
        out.progress(`Importing: ${done} of ${total} rows (${Math.floor((done / total) * 100)}%)`);
      },
    });
    out.progress(null);
    if (flags.json) out.json(report);
    else printReport(out, report);
  } catch (error) {
    out.progress(null);
    // Scripts get the readable part as JSON too; the error itself goes to stderr as for every command.
    if (flags.json && isUserError(error) && error.details?.readable) {
      out.json({ ...(error.details.readable as ImportReport), problems: error.details.problems });
    }
    throw error;
  } finally {
    services.db.close();
  }
}

function printReport(out: Output, report: ImportReport): void {
  out.line(out.bold(report.dryRun ? `Dry run, nothing written. Importing ${report.from} would give:` : `Imported ${report.from}:`));
  for (const project of report.projects) {
    out.line(`  ${describeProjectCounts(project)}${project.created ? ' (new project)' : ''}`);
    for (const skip of project.skipped) out.line(out.dim(`    skipped ${skip.item}: ${skip.reason}`));
    for (const warning of project.warnings) out.line(out.dim(`    note: ${warning}`));
  }
  for (const skip of report.skipped) out.line(out.dim(`  skipped ${skip.item}: ${skip.reason}`));
  const t = report.totals;
  const added = t.versions + t.archived + t.handovers + t.notes;
  if (report.projects.length === 0) out.line('  nothing to import');
  else if (added === 0 && t.unchanged > 0) out.line(report.dryRun ? 'Nothing new: everything is already here.' : 'Nothing new: everything was already here.');
  else
    out.line(
      `${report.dryRun ? 'Would add' : 'Added'} ${t.versions} version(s) of ${t.contexts} context(s), ${t.archived} archived version(s), ${t.handovers} handover(s), ${t.notes} note(s); ${t.skipped} skipped.`,
    );
  if (report.dryRun && added > 0) out.line('Run the same command without --dry-run to import.');
}
