import { isUserError } from '../../errors.ts';
import { sha256Hex, stableId } from '../../secrets.ts';
import type { Priority } from '../../store/context-version.ts';
import type { NoteKind } from '../../store/notes.ts';
import { normalizeProjectName } from '../../store/projects.ts';
import type { ImportPlan, PlannedHandover, PlannedNote, PlannedVersion, ProjectPlan, Skip, SourceProblem } from '../import-plan.ts';
import { Bad, checkLockInput, compareVersions, mapPriority, parseJsonObject, parseTime, parseVersion } from '../source-values.ts';
import { durationMinutes, handoverContent, readOldHandover, renderOldHandover, type OldHandover } from './handover-shape.ts';
import { recordedProject, type ClaudeDementiaSource, type RawRow, type RowRef, type SourceContainer } from './source-tables.ts';

const NOTE_KINDS: Record<string, NoteKind> = { progress: 'progress', todo: 'todo', decision: 'decision', note: 'note' };

/** A context version read and checked, with the project the old server filed it under. */
interface Version {
  ref: RowRef;
  unit: string;
  label: string;
  versionText: string;
  versionKey: number[];
  content: string;
  contentHash: string;
  priority: Priority;
  unknownPriority: string | null;
  tags: string[];
  createdAt: number;
  archivedAt: number | null;
  lineage: string;
}

interface Entry {
  ref: RowRef;
  unit: string;
  category: string;
  content: string;
  metadata: Record<string, unknown> | null;
  /** For handovers: the record the old server kept. */
  handover: OldHandover | null;
  at: number;
  /** The entry's time for its stable id; its place in the source when it has no time (`at` is then the import's). */
  atKey: string;
  sessionId: string | null;
  startedAt: number | null;
}

/** The rows of one old project (a schema, a file, or one project_name of a schema per API key). */
interface Unit {
  name: string;
  description: string;
  versions: Version[];
  entries: Entry[];
  skipped: Skip[];
  warnings: string[];
}

const describe = (ref: RowRef) => `${ref.where}, ${ref.table} ${ref.row}`;

/**
 * Decides what of claude-dementia's memory becomes what here. Versions "1.0", "1.1", … "1.10" become
 * 1, 2, … in numeric order (the old server compared them as text); versions it unlocked arrive
 * archived; handovers keep their real end time; progress, todo and decision entries become notes.
 * Rows that cannot be read are problems (the import stops); rows that cannot be stored are skipped.
 */
export function planClaudeDementia(source: ClaudeDementiaSource, options: { merge: boolean; now: number }): ImportPlan {
  const plan: ImportPlan = { kind: 'claude-dementia', from: source.from, projects: [], skipped: [...source.skipped], warnings: [], problems: [] };
  const units = new Map<string, Unit>();
  for (const container of source.containers) readContainer(container, options.now, units, plan);

  const byName = new Map<string, Unit[]>();
  for (const unit of units.values()) {
    let name: string;
    try {
      name = normalizeProjectName(unit.name);
    } catch (error) {
      if (!isUserError(error)) throw error;
      plan.skipped.push({ item: unit.description, reason: `${error.message} Import that file alone with --project NAME.` });
      continue;
    }
    byName.set(name, [...(byName.get(name) ?? []), unit]);
  }
  for (const [name, group] of [...byName].sort((a, b) => a[0].localeCompare(b[0]))) {
    if (group.length > 1 && !options.merge) {
      const names = group.map((unit) => unit.description).join(' and ');
      plan.projects.push({
        name,
        from: group.map((unit) => unit.description),
        labels: [],
        handovers: [],
        notes: [],
        skipped: [
          { item: names, reason: `they would all become project "${name}", so none of them was imported. Import them into that one project with --merge.` },
        ],
        warnings: [],
      });
      continue;
    }
    plan.projects.push(planProject(name, group));
  }
  return plan;
}

/** Reads one schema or file into units, one per old project. */
function readContainer(container: SourceContainer, now: number, units: Map<string, Unit>, plan: ImportPlan): void {
  const problem = (ref: RowRef, text: string) =>
    plan.problems.push({ where: ref.where, table: ref.table, row: ref.row, problem: text } satisfies SourceProblem);
  const sessionOf = (id: unknown) => (id === null || id === undefined ? undefined : container.sessions.get(String(id)));
  const unitOf = (raw: unknown, ref: RowRef): Unit | undefined => {
    const name = recordedProject(raw);
    if (!name) {
      plan.skipped.push({ item: describe(ref), reason: 'the row names no project (no project_name, and its session has none)' });
      return undefined;
    }
    const key = `${container.where}\u0000${name}`;
    let unit = units.get(key);
    if (!unit) {
      unit = {
        name,
        description: container.project === null ? `project "${name}" in ${container.where}` : container.where,
        versions: [],
        entries: [],
        skipped: [],
        warnings: [],
      };
      units.set(key, unit);
    }
    return unit;
  };

  const readVersion = (row: RawRow<'context_locks'> | RawRow<'context_archives'>, archived: boolean) => {
    const metadata = parseJsonObject(row.metadata, 'metadata');
    if (metadata instanceof Bad) return problem(row.ref, metadata.problem);
    const unit = unitOf(container.project ?? row.project ?? sessionOf(row.sessionId)?.project, row.ref);
    if (!unit) return;
    const skip = (reason: string) => unit.skipped.push({ item: describe(row.ref), reason });
    const input = checkLockInput(row.label, row.content, row.tags ?? metadata?.tags);
    if (input instanceof Bad) return skip(input.problem);
    const versionKey = parseVersion(row.version);
    if (versionKey instanceof Bad) return skip(versionKey.problem);
    const ownTime = parseTime(archived ? (row as RawRow<'context_archives'>).deletedAt : (row as RawRow<'context_locks'>).lockedAt);
    if (ownTime instanceof Bad) return problem(row.ref, `${archived ? 'deleted_at' : 'locked_at'} ${ownTime.problem}`);
    const stated = parseTime(metadata?.created_at);
    const createdAt = (archived ? (stated instanceof Bad ? null : stated) : null) ?? ownTime ?? (stated instanceof Bad ? null : stated) ?? now;
    const { priority, unknown } = mapPriority(row.priority ?? metadata?.priority);
    unit.versions.push({
      ref: row.ref,
      unit: unit.description,
      label: input.label,
      versionText: row.version === null || row.version === undefined ? '1.0' : String(row.version).trim(),
      versionKey,
      content: input.content,
      contentHash: sha256Hex(input.content),
      priority,
      unknownPriority: unknown,
      tags: input.tags,
      createdAt,
      archivedAt: archived ? (ownTime ?? createdAt) : null,
      lineage: `${container.where}\u0000${String(row.sessionId ?? '')}`,
    });
  };
  for (const row of container.locks) readVersion(row, false);
  for (const row of container.archives) readVersion(row, true);

  for (const row of container.entries) {
    const metadata = parseJsonObject(row.metadata, 'metadata');
    if (metadata instanceof Bad) {
      problem(row.ref, metadata.problem);
      continue;
    }
    const at = parseTime(row.at);
    if (at instanceof Bad) {
      problem(row.ref, `its time ${at.problem}`);
      continue;
    }
    const category = String(row.category ?? '')
      .trim()
      .toLowerCase();
    const content = typeof row.content === 'string' ? row.content : String(row.content ?? '');
    const handover = category === 'handover' ? readOldHandover(content, metadata) : null;
    if (handover instanceof Bad) {
      problem(row.ref, `the handover's ${handover.problem}`);
      continue;
    }
    const session = sessionOf(row.sessionId);
    const unit = unitOf(container.project ?? row.project ?? metadata?.project_name ?? handover?.record?.project_name ?? session?.project, row.ref);
    if (!unit) continue;
    const started = parseTime(session?.startedAt);
    unit.entries.push({
      ref: row.ref,
      unit: unit.description,
      category,
      content,
      metadata,
      handover,
      at: at ?? now,
      atKey: at === null ? `${row.ref.where}/${row.ref.table}/${row.ref.row}` : String(at),
      sessionId: row.sessionId === null || row.sessionId === undefined ? null : String(row.sessionId),
      startedAt: started instanceof Bad ? null : started,
    });
  }
}

function planProject(name: string, units: Unit[]): ProjectPlan {
  const project: ProjectPlan = {
    name,
    from: units.map((unit) => unit.description),
    labels: [],
    handovers: [],
    notes: [],
    skipped: units.flatMap((unit) => unit.skipped),
    warnings: units.flatMap((unit) => unit.warnings),
  };
  const labels = new Map<string, Version[]>();
  for (const version of units.flatMap((unit) => unit.versions)) labels.set(version.label, [...(labels.get(version.label) ?? []), version]);
  // label + old version text → the version it became here, for the contexts handovers mention.
  const placed = new Map<string, { version: number; priority: string }>();
  const unknownPriorities = new Map<string, number>();
  for (const [label, rows] of [...labels].sort((a, b) => a[0].localeCompare(b[0]))) {
    const ordered = orderLabel(label, rows, project);
    project.labels.push({
      kind: 'history',
      label,
      versions: ordered.map((row, index): PlannedVersion => {
        placed.set(`${label}\u0000${row.versionText}`, { version: index + 1, priority: row.priority });
        if (row.unknownPriority !== null) unknownPriorities.set(row.unknownPriority, (unknownPriorities.get(row.unknownPriority) ?? 0) + 1);
        return {
          id: stableId('claude-dementia', name, label, row.versionText, row.contentHash),
          version: index + 1,
          content: row.content,
          priority: row.priority,
          tags: row.tags,
          createdAt: row.createdAt,
          archivedAt: row.archivedAt,
          source: `${describe(row.ref)} ("${label}" ${row.versionText})`,
        };
      }),
    });
  }
  for (const [priority, count] of unknownPriorities) {
    project.warnings.push(`priority "${priority}" (not always_check, important or reference) on ${count} version(s): imported as reference`);
  }

  const seen = new Set<string>();
  const add = <T extends { id: string }>(list: T[], item: T) => {
    if (seen.has(item.id)) return;
    seen.add(item.id);
    list.push(item);
  };
  for (const entry of units.flatMap((unit) => unit.entries)) {
    if (entry.handover) {
      add(
        project.handovers,
        planHandover(name, entry, entry.handover, (label, version) => placed.get(`${label}\u0000${version}`)),
      );
    } else if (entry.content.trim() === '') {
      project.skipped.push({ item: describe(entry.ref), reason: `the ${entry.category || 'memory'} entry is empty` });
    } else {
      const kind = NOTE_KINDS[entry.category] ?? 'note';
      add(project.notes, {
        id: stableId('claude-dementia', name, 'note', entry.category, entry.atKey, entry.sessionId ?? '', sha256Hex(entry.content)),
        sessionId: stableId('claude-dementia', name, 'session', entry.unit, entry.sessionId ?? ''),
        kind,
        text: kind === 'note' && entry.category !== 'note' ? `${entry.category || 'entry'}: ${entry.content.trim()}` : entry.content.trim(),
        createdAt: entry.at,
        source: describe(entry.ref),
      } satisfies PlannedNote);
    }
  }
  return project;
}

/**
 * Numbers a label's versions 1, 2, … in their true order: by version number. The old server counted
 * versions per session, so a label locked again in a later session restarted at "1.0": when
 * numbers repeat, each session's versions follow the earlier session's, oldest session first.
 */
function orderLabel(label: string, rows: Version[], project: ProjectPlan): Version[] {
  const unique: Version[] = [];
  const kept = new Map<string, Version>();
  // A live row wins over an archived copy of the same version and text, then the older row.
  const byPreference = [...rows].sort((a, b) => Number(a.archivedAt !== null) - Number(b.archivedAt !== null) || a.ref.order - b.ref.order);
  for (const row of byPreference) {
    const key = `${row.versionText}\u0000${row.contentHash}`;
    const first = kept.get(key);
    if (first) {
      project.skipped.push({ item: describe(row.ref), reason: `the same version and text as ${describe(first.ref)}` });
      continue;
    }
    kept.set(key, row);
    unique.push(row);
  }
  const byVersion = (a: Version, b: Version) => compareVersions(a.versionKey, b.versionKey) || a.createdAt - b.createdAt || a.ref.order - b.ref.order;
  if (new Set(unique.map((row) => row.versionKey.join('.'))).size === unique.length) return unique.sort(byVersion);
  const lineages = new Map<string, Version[]>();
  for (const row of unique) lineages.set(row.lineage, [...(lineages.get(row.lineage) ?? []), row]);
  const groups = [...lineages.values()].map((group) => group.sort(byVersion));
  const start = (group: Version[]) => Math.min(...group.map((row) => row.createdAt));
  groups.sort((a, b) => start(a) - start(b) || a[0]!.lineage.localeCompare(b[0]!.lineage));
  if (groups.length > 1) {
    project.warnings.push(
      `label "${label}": ${groups.length} old sessions each numbered their versions from 1.0; their versions follow each other, oldest session first`,
    );
  }
  return groups.flat();
}

function planHandover(
  project: string,
  entry: Entry,
  old: OldHandover,
  versionOf: (label: string, version: string) => { version: number; priority: string } | undefined,
): PlannedHandover {
  const time = (value: unknown) => {
    const parsed = parseTime(value);
    return parsed instanceof Bad ? null : parsed;
  };
  const record = old.record ?? {};
  const endedAt = time(record.finished_at) ?? time(record.timestamp) ?? entry.at;
  const minutes = durationMinutes(record.duration);
  const startedAt = Math.min(endedAt, time(record.created_at) ?? entry.startedAt ?? (minutes === null ? endedAt : endedAt - minutes * 60_000));
  const oldSession = typeof record.session_id === 'string' ? record.session_id : entry.sessionId;
  const id = stableId(
    'claude-dementia',
    project,
    'handover',
    entry.sessionId ?? '',
    entry.atKey,
    sha256Hex(`${entry.content}\u0000${JSON.stringify(entry.metadata)}`),
  );
  const content = handoverContent(old, startedAt, endedAt, versionOf);
  return {
    id,
    sessionId: stableId(id, 'session'),
    startedAt,
    endedAt,
    summary: renderOldHandover(project, oldSession, startedAt, endedAt, content),
    content,
    source: describe(entry.ref),
  };
}
