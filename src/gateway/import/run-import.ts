import { UserError } from '../errors.ts';
import type { Services } from '../services.ts';
import { normalizeProjectName } from '../store/projects.ts';
import { planClaudeDementia } from './claude-dementia/plan.ts';
import { planDementiaExport } from './dementia-export/plan.ts';
import { readPostgresSource } from './claude-dementia/postgres-source.ts';
import { readSqliteSource } from './claude-dementia/sqlite-source.ts';
import type { ImportKind, ImportPlan, SourceProblem } from './import-plan.ts';
import { writePlan, type ImportReport, type ProjectReport } from './plan-writer.ts';
import { readGraph } from './server-memory/jsonl-graph.ts';
import { planServerMemory } from './server-memory/plan.ts';

export const IMPORT_KINDS: readonly ImportKind[] = ['claude-dementia', 'server-memory', 'dementia-export'];

export interface ImportRequest {
  kind: string;
  /** A postgres:// URL or a SQLite file or folder (claude-dementia), a JSONL file (server-memory), an export folder (dementia-export). */
  from: string;
  /** server-memory: the project to import into; claude-dementia: the project of one SQLite file. */
  project?: string | undefined;
  /** claude-dementia: import old projects whose names become one name into that one project. */
  merge?: boolean | undefined;
  dryRun: boolean;
}

export interface ImportOptions {
  /** Folder relative CA files are read from (the data folder). */
  dataDir: string;
  batchRows?: number;
  onProgress?: (done: number, total: number) => void;
}

const MAX_LISTED_PROBLEMS = 20;

/**
 * Reads another memory server's data (never writing to it), plans what becomes what, and writes it
 * through the stores, or only reports it for a dry run. A source with unreadable rows writes
 * nothing: the error names each row, and reports what the readable rows would have given.
 */
export async function runImport(request: ImportRequest, services: Services, options: ImportOptions): Promise<ImportReport> {
  const plan = await planImport(request, services, options.dataDir);
  if (plan.problems.length > 0) {
    const readable = await writePlan(plan, services, { dryRun: true });
    throw unreadableRows(plan.problems, readable);
  }
  return writePlan(plan, services, {
    dryRun: request.dryRun,
    ...(options.batchRows ? { batchRows: options.batchRows } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
}

async function planImport(request: ImportRequest, services: Services, dataDir: string): Promise<ImportPlan> {
  const from = request.from.trim();
  if (from === '') throw new UserError('INVALID_ARGUMENTS', 'No source given.', 'Pass --from with a file, folder or postgres:// URL.');
  switch (request.kind) {
    case 'claude-dementia': {
      const postgres = /^postgres(ql)?:\/\//i.test(from);
      if (postgres && request.project !== undefined) {
        throw new UserError(
          'INVALID_ARGUMENTS',
          '--project names the project of one SQLite file; a Postgres source names its projects itself.',
          'Leave out --project.',
        );
      }
      const source = postgres ? await readPostgresSource(from, dataDir) : readSqliteSource(from, request.project);
      return planClaudeDementia(source, { merge: request.merge === true, now: services.clock.now() });
    }
    case 'server-memory': {
      if (request.project === undefined || request.project.trim() === '') {
        throw new UserError(
          'INVALID_ARGUMENTS',
          'server-memory has no projects: say which one its graph goes into.',
          'Pass --project NAME, e.g. --project notes.',
        );
      }
      return planServerMemory(readGraph(from), normalizeProjectName(request.project));
    }
    case 'dementia-export': {
      if (request.project !== undefined) {
        throw new UserError('INVALID_ARGUMENTS', 'An export names its projects itself.', 'Leave out --project.');
      }
      return planDementiaExport(from);
    }
    default:
      throw new UserError('INVALID_ARGUMENTS', `Cannot import from "${request.kind}".`, `Import from one of: ${IMPORT_KINDS.join(', ')}.`);
  }
}

/** One line per project: what it holds or would hold. */
export function describeProjectCounts(project: ProjectReport): string {
  const parts = [
    `${project.contexts} context(s) (${project.versions} version(s), ${project.archived} archived)`,
    `${project.handovers} handover(s)`,
    `${project.notes} note(s)`,
  ];
  if (project.unchanged > 0) parts.push(`${project.unchanged} already here`);
  if (project.skipped.length > 0) parts.push(`${project.skipped.length} skipped`);
  return `${project.name}: ${parts.join(', ')}`;
}

function unreadableRows(problems: SourceProblem[], readable: ImportReport): UserError {
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => `- ${p.where}, ${p.table} ${p.row}: ${p.problem}`);
  if (problems.length > listed.length) listed.push(`- … and ${problems.length - listed.length} more`);
  const rest = readable.projects.map(describeProjectCounts);
  return new UserError(
    'IMPORT_SOURCE_UNREADABLE',
    `${readable.from} has ${problems.length} row(s) that cannot be read; nothing was imported:\n${listed.join('\n')}\n` +
      `The readable rows would give:${rest.length > 0 ? `\n${rest.map((line) => `  ${line}`).join('\n')}` : ' nothing'}\n`,
    'Correct or delete those rows in the source (the import never changes it), then run the import again.',
    { problems, readable },
  );
}
