import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.ts';
import type { Services } from '../services.ts';
import { normalizeProjectName } from '../store/projects.ts';
import {
  EXPORT_FORMAT,
  EXPORT_FORMAT_VERSION,
  MANIFEST_FILE,
  markdownFile,
  timeField,
  toFileName,
  versionFileName,
  type Manifest,
  type ManifestProject,
} from './export-format.ts';

export interface ExportReport {
  to: string;
  projects: ManifestProject[];
}

/** "2026-01-05T09-00-00.000Z": a time that sorts and is a valid file name everywhere (no ":"). */
const fileTime = (ms: number): string => timeField(ms).replace(/:/g, '-');

/**
 * Writes every project (or one) as plain files: a Markdown file per context version, live and
 * archived, per handover and per note, and manifest.json. The same memory always gives the same
 * bytes, so an export kept in git shows exactly what changed.
 */
export function exportMemory(services: Services, to: string, project?: string): ExportReport {
  const dir = resolve(to);
  const names = project === undefined ? services.projects.names() : [requireProject(services, project)];
  prepareFolder(dir);
  // One read transaction: a consistent snapshot even while the gateway writes (SQLite WAL).
  const projects = services.db.transaction(() => [...names].sort().map((name) => exportProject(services, dir, name)))();
  const manifest: Manifest = { format: EXPORT_FORMAT, formatVersion: EXPORT_FORMAT_VERSION, projects };
  writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return { to: dir, projects };
}

function requireProject(services: Services, project: string): string {
  const name = normalizeProjectName(project);
  if (!services.projects.exists(name)) {
    throw new UserError('PROJECT_NOT_FOUND', `There is no project "${name}" to export.`, `Export one of: ${services.projects.names().join(', ') || '(none yet)'}; or leave out --project to export all.`);
  }
  return name;
}

/**
 * The folder must be new, empty, or an earlier export (which is replaced whole, so files of
 * contexts deleted since do not linger). Anything else is someone's files: never overwritten.
 */
function prepareFolder(dir: string): void {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    return;
  }
  const entries = readdirSync(dir).filter((entry) => entry !== '.git');
  if (entries.length === 0) return;
  const earlier = readEarlierManifest(dir);
  if (!earlier) {
    throw new UserError(
      'EXPORT_FOLDER_NOT_EMPTY',
      `${dir} is not empty and holds no earlier export (no ${MANIFEST_FILE} of a dementia export); nothing was written.`,
      'Export into a new or empty folder, or into the folder of an earlier export to replace it.',
    );
  }
  for (const project of earlier.projects) rmSync(join(dir, project.folder), { recursive: true, force: true });
  rmSync(join(dir, MANIFEST_FILE));
}

function readEarlierManifest(dir: string): Manifest | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as Partial<Manifest>;
    if (manifest.format !== EXPORT_FORMAT || !Array.isArray(manifest.projects)) return undefined;
    // Only plain folder names of our own making are removed: never a path out of the folder.
    const safe = manifest.projects.every((p) => typeof p.folder === 'string' && p.folder !== '' && !/[/\\]|^\.\.?$/.test(p.folder));
    return safe ? (manifest as Manifest) : undefined;
  } catch {
    return undefined;
  }
}

function exportProject(services: Services, dir: string, name: string): ManifestProject {
  const folder = toFileName(name);
  const root = join(dir, folder);
  const summary = services.projects.get(name);
  const versions = services.contexts.everyVersionOfProject(name);
  const labels = new Set<string>();
  let archived = 0;
  for (const v of versions) {
    labels.add(v.label);
    if (v.archivedAt !== null) archived += 1;
    const file = join(root, 'contexts', toFileName(v.label), versionFileName(v.version));
    write(
      file,
      markdownFile(
        [
          ['label', v.label],
          ['version', v.version],
          ['priority', v.priority],
          ['tags', v.tags],
          ['created', timeField(v.createdAt)],
          ['archived', v.archivedAt === null ? false : timeField(v.archivedAt)],
          ['id', v.id],
        ],
        v.content,
      ),
    );
  }
  const handovers = services.handovers.allOfProject(name);
  for (const h of handovers) {
    write(
      join(root, 'handovers', `${fileTime(h.endedAt)}_${toFileName(h.id)}.md`),
      markdownFile(
        [
          ['id', h.id],
          ['session', h.sessionId],
          ['client', h.clientName],
          ['started', timeField(h.startedAt)],
          ['ended', timeField(h.endedAt)],
          ['endReason', h.endReason],
          ['record', { ...h.content }],
        ],
        h.summary,
      ),
    );
  }
  const notes = services.notes.allOfProject(name);
  for (const n of notes) {
    write(
      join(root, 'notes', `${fileTime(n.createdAt)}_${toFileName(n.id)}.md`),
      markdownFile(
        [
          ['id', n.id],
          ['session', n.sessionId],
          ['kind', n.kind],
          ['created', timeField(n.createdAt)],
        ],
        n.text,
      ),
    );
  }
  mkdirSync(root, { recursive: true });
  return {
    name,
    description: summary?.description ?? '',
    folder,
    contexts: labels.size,
    versions: versions.length,
    archived,
    handovers: handovers.length,
    notes: notes.length,
  };
}

function write(file: string, text: string): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
}
