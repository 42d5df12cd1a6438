import { sha256Hex, stableId } from '../secrets.ts';
import type { Services } from '../services.ts';
import { sameAsLatest } from '../store/context-rules.ts';
import { IMPORT_CLIENT_NAMES, type ImportKind, type ImportPlan, type LabelHistory, type LabelSnapshot, type ProjectPlan, type Skip } from './import-plan.ts';
import { handoverRow, labelRows, noteRow, screenRows, type Dropped, type ScreenRow } from './screen-plan.ts';

export interface ProjectReport {
  name: string;
  from: string[];
  /** The project did not exist here and is (or would be) created. */
  created: boolean;
  /** Labels that get at least one new version. */
  contexts: number;
  /** New live versions. */
  versions: number;
  /** New archived versions (restorable with restore_context). */
  archived: number;
  handovers: number;
  notes: number;
  /** Rows already here from an earlier import: written once, never twice. */
  unchanged: number;
  skipped: Skip[];
  warnings: string[];
}

export interface ImportReport {
  kind: ImportKind;
  from: string;
  dryRun: boolean;
  projects: ProjectReport[];
  skipped: Skip[];
  warnings: string[];
  totals: { contexts: number; versions: number; archived: number; handovers: number; notes: number; unchanged: number; skipped: number };
}

export interface WriteOptions {
  dryRun: boolean;
  /** Rows per transaction at most (and 20 ms of work at most): each batch holds the write lock only for a moment. */
  batchRows?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Something to write: decided against the store, then written when `write` is true. */
interface Unit {
  rows: number;
  /** Its rows for the secret check, which runs before the unit is applied. */
  screen: (ScreenRow & { row: object; skip: (skip: Skip) => void })[];
  apply(write: boolean): void;
}

const DEFAULT_BATCH_ROWS = 250;
/** Longest write transaction: what another writer may have to wait, at most, for one batch. */
const BATCH_MS = 20;

/** The client id imported rows carry: the old server, the same on every machine. */
export function importClientId(kind: ImportKind): string {
  return stableId('import-client', kind);
}

/**
 * Writes a plan through the stores (so the sync outbox records every row), in batches of short
 * transactions with a pause between them for other callers. A dry run takes exactly the same
 * decisions and writes nothing.
 */
export async function writePlan(plan: ImportPlan, services: Services, options: WriteOptions): Promise<ImportReport> {
  const reports: ProjectReport[] = [];
  const units: Unit[] = [];
  const dropped: Dropped = new Set();
  for (const project of plan.projects) {
    const report: ProjectReport = {
      name: project.name,
      from: project.from,
      created: false,
      contexts: 0,
      versions: 0,
      archived: 0,
      handovers: 0,
      notes: 0,
      unchanged: 0,
      skipped: [...project.skipped],
      warnings: [...project.warnings],
    };
    reports.push(report);
    units.push(...unitsOf(plan.kind, project, report, services, dropped));
  }
  const total = units.reduce((sum, unit) => sum + unit.rows, 0);
  const batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
  let done = 0;
  let next = 0;
  // Units before `screened` have passed the secret check; the next batch's are checked ahead.
  let screened = 0;
  const screenAhead = async () => {
    const from = screened;
    let rows = 0;
    while (screened < units.length && (screened === from || rows + units[screened]!.rows <= batchRows)) rows += units[screened++]!.rows;
    await screenRows(
      units.slice(from, screened).flatMap((unit) => unit.screen),
      dropped,
    );
  };
  await screenAhead();
  while (next < units.length) {
    const started = performance.now();
    const batch = () => {
      let rows = 0;
      // A transaction ends after batchRows rows or BATCH_MS, whichever comes first.
      while (next < screened && (rows === 0 || (rows + units[next]!.rows <= batchRows && performance.now() - started < BATCH_MS))) {
        units[next]!.apply(!options.dryRun);
        rows += units[next]!.rows;
        next += 1;
      }
      return rows;
    };
    done += options.dryRun ? batch() : services.db.transaction(batch).immediate();
    options.onProgress?.(done, total);
    if (options.dryRun) {
      if (next === screened) await screenAhead();
      continue;
    }
    // SQLite has no queue for its write lock: a writer in another process (the gateway beside a
    // CLI import) only gets it in a gap, so each batch is followed by a pause as long as itself.
    // The next rows' secret check runs in that pause (it needs no lock).
    const resume = performance.now() + Math.min(BATCH_MS, performance.now() - started);
    if (next === screened) await screenAhead();
    const pause = resume - performance.now();
    if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
  }
  return report(plan, options.dryRun, reports);
}

function unitsOf(kind: ImportKind, project: ProjectPlan, report: ProjectReport, services: Services, dropped: Dropped): Unit[] {
  const { projects, handovers, notes } = services;
  const policy = services.projects.secretPolicy(project.name);
  const skip = (entry: Skip) => void report.skipped.push(entry);
  const checked = <T extends ScreenRow & { row: object }>(rows: T[]) => rows.map((row) => ({ ...row, skip }));
  const clientId = importClientId(kind);
  let ensured = false;
  // The project is created with its first row, in that row's transaction.
  const ensureProject = (write: boolean) => {
    if (ensured) return;
    ensured = true;
    if (projects.exists(project.name)) return;
    report.created = true;
    if (write) projects.create(project.name, project.description);
  };
  const units: Unit[] = [];
  if (project.createEmpty && project.labels.length + project.handovers.length + project.notes.length === 0) {
    units.push({ rows: 1, screen: [], apply: ensureProject });
  }
  for (const label of project.labels) {
    const screen = checked(labelRows(label, policy));
    units.push(
      label.kind === 'history'
        ? {
            rows: label.versions.length,
            screen,
            apply: (write) => {
              const versions = label.versions.filter((version) => !dropped.has(version));
              if (versions.length > 0) applyHistory(services, project.name, { ...label, versions }, clientId, report, write, ensureProject);
            },
          }
        : {
            rows: 1,
            screen,
            apply: (write) => void (dropped.has(label) || applySnapshot(services, kind, project.name, label, clientId, report, write, ensureProject)),
          },
    );
  }
  for (const handover of project.handovers) {
    units.push({
      rows: 1,
      screen: checked([handoverRow(handover, policy)]),
      apply(write) {
        if (dropped.has(handover)) return;
        if (handovers.has(handover.id)) {
          report.unchanged += 1;
          return;
        }
        ensureProject(write);
        report.handovers += 1;
        if (!write) return;
        handovers.insert({
          id: handover.id,
          project: project.name,
          sessionId: handover.sessionId,
          clientId,
          clientName: handover.clientName ?? IMPORT_CLIENT_NAMES[kind],
          startedAt: handover.startedAt,
          endedAt: handover.endedAt,
          endReason: handover.endReason ?? 'imported',
          summary: handover.summary,
          content: handover.content,
          createdAt: handover.endedAt,
        });
      },
    });
  }
  for (const note of project.notes) {
    units.push({
      rows: 1,
      screen: checked([noteRow(note, policy)]),
      apply(write) {
        if (dropped.has(note)) return;
        if (notes.has(note.id)) {
          report.unchanged += 1;
          return;
        }
        ensureProject(write);
        report.notes += 1;
        if (write) notes.insert({ id: note.id, project: project.name, sessionId: note.sessionId, kind: note.kind, text: note.text, createdAt: note.createdAt });
      },
    });
  }
  return units;
}

/**
 * A copied history goes in only around versions this same source wrote before (a second run, or a
 * source that grew since): versions written here by anyone else would interleave with it.
 */
function applyHistory(
  services: Services,
  project: string,
  label: LabelHistory,
  clientId: string,
  report: ProjectReport,
  write: boolean,
  ensureProject: (write: boolean) => void,
): void {
  const { contexts } = services;
  const planned = new Map(label.versions.map((v) => [v.id, v.version]));
  const existing = contexts.versionIds(project, label.label);
  const present = new Set(existing.filter((row) => planned.get(row.id) === row.version).map((row) => row.id));
  const missing = label.versions.filter((v) => !present.has(v.id));
  report.unchanged += present.size;
  if (missing.length === 0) return;
  const foreign = existing
    .filter((row) => !present.has(row.id))
    .map((row) => row.version)
    .sort((a, b) => a - b);
  if (foreign.length > 0) {
    for (const version of missing) {
      report.skipped.push({
        item: version.source,
        reason: `label "${label.label}" already has version(s) ${foreign.join(', ')} here that this source did not write; the old history would interleave with them`,
      });
    }
    return;
  }
  ensureProject(write);
  report.contexts += 1;
  for (const version of missing) {
    if (version.archivedAt === null) report.versions += 1;
    else report.archived += 1;
    if (!write) continue;
    contexts.insertVersion(
      {
        id: version.id,
        project,
        label: label.label,
        version: version.version,
        content: version.content,
        priority: version.priority,
        tags: version.tags,
        contentHash: sha256Hex(version.content),
        createdAt: version.createdAt,
        clientId,
        sessionId: null,
      },
      version.archivedAt,
    );
  }
  if (write) contexts.refreshLatest(project, label.label);
}

/** A snapshot becomes the next version of its label when its text, priority or tags changed. */
function applySnapshot(
  services: Services,
  kind: ImportKind,
  project: string,
  label: LabelSnapshot,
  clientId: string,
  report: ProjectReport,
  write: boolean,
  ensureProject: (write: boolean) => void,
): void {
  const { contexts, clock } = services;
  const contentHash = sha256Hex(label.content);
  const latest = contexts.get(project, label.label);
  if (latest && sameAsLatest(latest, contentHash, label.priority, label.tags)) {
    report.unchanged += 1;
    return;
  }
  // Same text after the same latest version: the same id, however often or wherever it is imported.
  const id = stableId(kind, project, label.label, contentHash, label.priority, JSON.stringify(label.tags), latest?.id ?? '');
  if (contexts.hasId(id)) {
    report.skipped.push({
      item: label.source,
      reason: `this text of "${label.label}" was imported before and has been unlocked here since; restore_context brings it back`,
    });
    return;
  }
  ensureProject(write);
  report.contexts += 1;
  report.versions += 1;
  if (!write) return;
  contexts.insertVersion(
    {
      id,
      project,
      label: label.label,
      version: contexts.highestVersion(project, label.label) + 1,
      content: label.content,
      priority: label.priority,
      tags: label.tags,
      contentHash,
      createdAt: clock.now(),
      clientId,
      sessionId: null,
    },
    null,
  );
  contexts.refreshLatest(project, label.label);
}

function report(plan: ImportPlan, dryRun: boolean, projects: ProjectReport[]): ImportReport {
  const sum = (pick: (p: ProjectReport) => number) => projects.reduce((total, p) => total + pick(p), 0);
  return {
    kind: plan.kind,
    from: plan.from,
    dryRun,
    projects,
    skipped: plan.skipped,
    warnings: plan.warnings,
    totals: {
      contexts: sum((p) => p.contexts),
      versions: sum((p) => p.versions),
      archived: sum((p) => p.archived),
      handovers: sum((p) => p.handovers),
      notes: sum((p) => p.notes),
      unchanged: sum((p) => p.unchanged),
      skipped: sum((p) => p.skipped.length) + plan.skipped.length,
    },
  };
}
