import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isUserError, UserError } from '../../errors.ts';
import { EXPORT_FORMAT, MANIFEST_FILE, parseMarkdownFile, type Manifest } from '../../export/export-format.ts';
import { PRIORITIES, type Priority } from '../../store/context-version.ts';
import type { HandoverContent } from '../../store/handovers.ts';
import { NOTE_KINDS, type NoteKind } from '../../store/notes.ts';
import { normalizeProjectName } from '../../store/projects.ts';
import type { ImportPlan, LabelHistory, PlannedVersion, ProjectPlan, SourceProblem } from '../import-plan.ts';
import { Bad, checkLockInput } from '../source-values.ts';

/** A front matter read from one file: typed getters that record what is wrong instead of throwing. */
class Fields {
  readonly problems: string[] = [];
  private readonly fields: Map<string, unknown>;
  constructor(fields: Map<string, unknown>) {
    this.fields = fields;
  }
  text(key: string): string {
    const value = this.fields.get(key);
    if (typeof value === 'string' && value !== '') return value;
    this.problems.push(`"${key}" is missing or not text`);
    return '';
  }
  time(key: string): number {
    const ms = Date.parse(this.text(key));
    if (Number.isNaN(ms)) this.problems.push(`"${key}" is not an ISO time`);
    return ms;
  }
  value(key: string): unknown {
    return this.fields.get(key);
  }
}

/**
 * Reads a folder written by `dementia export` back into an import plan: every version at its own
 * number and id (live or archived), handovers and notes with their ids, so importing it twice, or
 * into the memory it came from, writes nothing new. A file that cannot be read is a problem and
 * the import writes nothing; the error names the file.
 */
export function planDementiaExport(from: string): ImportPlan {
  const dir = resolve(from);
  const manifest = readManifest(dir);
  const plan: ImportPlan = { kind: 'dementia-export', from: dir, projects: [], skipped: [], warnings: [], problems: [] };
  for (const entry of manifest.projects) {
    let name: string;
    try {
      name = normalizeProjectName(String(entry.name));
    } catch (error) {
      if (!isUserError(error)) throw error;
      plan.skipped.push({ item: `project "${String(entry.name)}"`, reason: error.message });
      continue;
    }
    const folder = join(dir, String(entry.folder));
    const project: ProjectPlan = {
      name,
      from: [folder],
      ...(typeof entry.description === 'string' && entry.description !== '' ? { description: entry.description } : {}),
      createEmpty: true,
      labels: [],
      handovers: [],
      notes: [],
      skipped: [],
      warnings: [],
    };
    readContexts(join(folder, 'contexts'), project, plan.problems);
    readHandovers(join(folder, 'handovers'), project, plan.problems);
    readNotes(join(folder, 'notes'), project, plan.problems);
    plan.projects.push(project);
  }
  return plan;
}

function readManifest(dir: string): Manifest {
  const file = join(dir, MANIFEST_FILE);
  let manifest: Partial<Manifest>;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8')) as Partial<Manifest>;
  } catch (error) {
    throw new UserError(
      'IMPORT_SOURCE_UNREADABLE',
      `${file} cannot be read (${(error as Error).message}).`,
      'Pass --from the folder `dementia export --to` wrote (it holds manifest.json).',
    );
  }
  if (manifest.format !== EXPORT_FORMAT || !Array.isArray(manifest.projects)) {
    throw new UserError(
      'IMPORT_SOURCE_UNREADABLE',
      `${file} is not the manifest of a dementia export.`,
      'Pass --from the folder `dementia export --to` wrote.',
    );
  }
  return manifest as Manifest;
}

/** The files of a folder, sorted by name; none when the folder does not exist. */
function filesOf(folder: string, ext = '.md'): string[] {
  try {
    return readdirSync(folder)
      .filter((name) => name.endsWith(ext))
      .sort()
      .map((name) => join(folder, name));
  } catch {
    return [];
  }
}

function readFile(file: string, problems: SourceProblem[]): { fields: Fields; body: string } | undefined {
  const parsed = parseMarkdownFile(readFileSync(file, 'utf8'));
  if (parsed instanceof Error) {
    problems.push({ where: file, table: 'file', row: 'front matter', problem: parsed.message });
    return undefined;
  }
  return { fields: new Fields(parsed.fields), body: parsed.body };
}

function readContexts(folder: string, project: ProjectPlan, problems: SourceProblem[]): void {
  let labelFolders: string[];
  try {
    labelFolders = readdirSync(folder)
      .sort()
      .map((name) => join(folder, name))
      .filter((path) => statSync(path).isDirectory());
  } catch {
    return;
  }
  for (const labelFolder of labelFolders) {
    const versions = new Map<string, PlannedVersion[]>();
    for (const file of filesOf(labelFolder)) {
      const read = readFile(file, problems);
      if (!read) continue;
      const { fields, body } = read;
      const label = fields.text('label');
      const version = fields.value('version');
      const priority = fields.text('priority');
      const archived = fields.value('archived');
      const createdAt = fields.time('created');
      const id = fields.text('id');
      if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) fields.problems.push('"version" is not a whole number from 1');
      if (!(PRIORITIES as readonly string[]).includes(priority)) fields.problems.push(`"priority" is not one of ${PRIORITIES.join(', ')}`);
      if (archived !== false && (typeof archived !== 'string' || Number.isNaN(Date.parse(archived))))
        fields.problems.push('"archived" is neither false nor an ISO time');
      if (fields.problems.length > 0) {
        problems.push({ where: file, table: 'context', row: label, problem: fields.problems.join('; ') });
        continue;
      }
      const input = checkLockInput(label, body, fields.value('tags'));
      if (input instanceof Bad) {
        project.skipped.push({ item: file, reason: input.problem });
        continue;
      }
      const planned: PlannedVersion = {
        id,
        version: version as number,
        content: input.content,
        priority: priority as Priority,
        tags: input.tags,
        createdAt,
        archivedAt: archived === false ? null : Date.parse(archived as string),
        source: file,
      };
      versions.set(input.label, [...(versions.get(input.label) ?? []), planned]);
    }
    for (const [label, list] of versions) {
      project.labels.push({ kind: 'history', label, versions: list.sort((a, b) => a.version - b.version) } satisfies LabelHistory);
    }
  }
}

function readHandovers(folder: string, project: ProjectPlan, problems: SourceProblem[]): void {
  for (const file of filesOf(folder)) {
    const read = readFile(file, problems);
    if (!read) continue;
    const { fields, body } = read;
    const handover = {
      id: fields.text('id'),
      sessionId: fields.text('session'),
      clientName: fields.text('client'),
      startedAt: fields.time('started'),
      endedAt: fields.time('ended'),
      endReason: fields.text('endReason'),
      summary: body,
      content: fields.value('record') as HandoverContent,
      source: file,
    };
    const record = fields.value('record');
    if (typeof record !== 'object' || record === null || Array.isArray(record)) fields.problems.push('"record" is not an object');
    if (fields.problems.length > 0) {
      problems.push({ where: file, table: 'handover', row: handover.id, problem: fields.problems.join('; ') });
      continue;
    }
    project.handovers.push(handover);
  }
}

function readNotes(folder: string, project: ProjectPlan, problems: SourceProblem[]): void {
  for (const file of filesOf(folder)) {
    const read = readFile(file, problems);
    if (!read) continue;
    const { fields, body } = read;
    const kind = fields.text('kind');
    if (!(NOTE_KINDS as readonly string[]).includes(kind)) fields.problems.push(`"kind" is not one of ${NOTE_KINDS.join(', ')}`);
    const note = {
      id: fields.text('id'),
      sessionId: fields.text('session'),
      kind: kind as NoteKind,
      text: body,
      createdAt: fields.time('created'),
      source: file,
    };
    if (fields.problems.length > 0) {
      problems.push({ where: file, table: 'note', row: note.id, problem: fields.problems.join('; ') });
      continue;
    }
    project.notes.push(note);
  }
}
