import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.ts';
import type { Services } from '../services.ts';
import type { ContextVersion } from '../store/context-version.ts';
import type { Handover } from '../store/handovers.ts';
import type { Note } from '../store/notes.ts';
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

/** One project as read for an export (one consistent read). */
export interface ProjectDump {
  description: string;
  /** Every version, live (archivedAt null) and archived. */
  versions: (ContextVersion & { archivedAt: number | null })[];
  handovers: Handover[];
  notes: Note[];
}

/** Where an export reads from: the local store, or a hosted tenant's schema (export/pg-export-source.ts). */
export interface ExportSource {
  /** The project names (live projects only). */
  projectNames(): Promise<string[]>;
  readProject(name: string): Promise<ProjectDump>;
}

/** The local SQLite store: each project read in one read transaction (a snapshot beside a running gateway). */
export function sqliteExportSource(services: Services): ExportSource {
  return {
    projectNames: async () => services.projects.names(),
    readProject: async (name) =>
      services.db.transaction(() => ({
        description: services.projects.get(name)?.description ?? '',
        versions: services.contexts.everyVersionOfProject(name),
        handovers: services.handovers.allOfProject(name),
        notes: services.notes.allOfProject(name),
      }))(),
  };
}

/** "2026-01-05T09-00-00.000Z": a time that sorts and is a valid file name everywhere (no ":"). */
const fileTime = (ms: number): string => timeField(ms).replace(/:/g, '-');

/** Code-unit order, the same whatever the store's collation. */
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** JSON objects with their keys sorted (Postgres jsonb does not keep key order). */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => byText(a, b))
      .map(([k, v]) => [k, sortedKeys(v)]),
  );
}

/**
 * Writes every project (or one) as plain files: a Markdown file per context version, live and
 * archived, per handover and per note, and manifest.json. The same memory always gives the same
 * bytes, so an export kept in git shows exactly what changed.
 */
export async function exportMemory(source: ExportSource, to: string, project?: string): Promise<ExportReport> {
  const dir = resolve(to);
  const all = await source.projectNames();
  const names = project === undefined ? all : [requireProject(all, project)];
  prepareFolder(dir);
  const projects: ManifestProject[] = [];
  for (const name of [...names].sort(byText)) projects.push(writeProject(dir, name, await source.readProject(name)));
  const manifest: Manifest = { format: EXPORT_FORMAT, formatVersion: EXPORT_FORMAT_VERSION, projects };
  writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return { to: dir, projects };
}

function requireProject(names: string[], project: string): string {
  const name = normalizeProjectName(project);
  if (!names.includes(name)) {
    throw new UserError(
      'PROJECT_NOT_FOUND',
      `There is no project "${name}" to export.`,
      `Export one of: ${names.join(', ') || '(none yet)'}; or leave out --project to export all.`,
    );
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

function writeProject(dir: string, name: string, dump: ProjectDump): ManifestProject {
  const folder = toFileName(name);
  const root = join(dir, folder);
  const versions = dump.versions.toSorted((x, y) => byText(x.label, y.label) || x.version - y.version);
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
  for (const h of dump.handovers) {
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
          ['record', sortedKeys(h.content) as Record<string, unknown>],
        ],
        h.summary,
      ),
    );
  }
  for (const n of dump.notes) {
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
    description: dump.description,
    folder,
    contexts: labels.size,
    versions: versions.length,
    archived,
    handovers: dump.handovers.length,
    notes: dump.notes.length,
  };
}

function write(file: string, text: string): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
}
