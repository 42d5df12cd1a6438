import type { Priority } from '../store/context-version.ts';
import type { HandoverContent } from '../store/handovers.ts';
import type { NoteKind } from '../store/notes.ts';

/**
 * What an import will write, decided from the source alone (the store is consulted only when the
 * plan is written). Every row has an id derived from what it is in the source, so writing the same
 * plan twice writes nothing the second time.
 */

export type ImportKind = 'claude-dementia' | 'server-memory' | 'dementia-export';

/** Something the import leaves out, and why. */
export interface Skip {
  item: string;
  reason: string;
}

/** One version of a label at a fixed number (a copied history). */
export interface PlannedVersion {
  id: string;
  version: number;
  content: string;
  priority: Priority;
  tags: string[];
  createdAt: number;
  /** Set for versions the old server had unlocked: they arrive archived (restorable). */
  archivedAt: number | null;
  /** Where it came from, for messages. */
  source: string;
}

/** A label whose whole history is copied, each version at its number. */
export interface LabelHistory {
  kind: 'history';
  label: string;
  versions: PlannedVersion[];
}

/** A label whose current text becomes a new version when it differs from the latest one here. */
export interface LabelSnapshot {
  kind: 'snapshot';
  label: string;
  content: string;
  priority: Priority;
  tags: string[];
  source: string;
}

export interface PlannedHandover {
  id: string;
  sessionId: string;
  startedAt: number;
  endedAt: number;
  summary: string;
  content: HandoverContent;
  /** Who wrote it and why it ended, when the source kept them (our own export); else the import's. */
  clientName?: string;
  endReason?: string;
  source: string;
}

export interface PlannedNote {
  id: string;
  sessionId: string;
  kind: NoteKind;
  text: string;
  createdAt: number;
  source: string;
}

export interface ProjectPlan {
  /** Our (normalized) project name. */
  name: string;
  /** The source's names for it: 'schema "linkedin"', 'file ~/x/.claude-memory.db'. */
  from: string[];
  /** The project's description, when the source has one (given to a project the import creates). */
  description?: string;
  /** Create the project even when it brings no rows (an export of an empty project). */
  createEmpty?: boolean;
  labels: (LabelHistory | LabelSnapshot)[];
  handovers: PlannedHandover[];
  notes: PlannedNote[];
  skipped: Skip[];
  warnings: string[];
}

/** A row the import cannot read: the whole import stops, and says where. */
export interface SourceProblem {
  /** 'schema "linkedin"', 'file /x/y.db', 'memory.jsonl'. */
  where: string;
  table: string;
  row: string;
  problem: string;
}

export interface ImportPlan {
  kind: ImportKind;
  /** The source as shown to the user (a Postgres URL with its password masked, or a path). */
  from: string;
  projects: ProjectPlan[];
  /** Left out before a project could be named (an unusable project name, a file that is not a memory). */
  skipped: Skip[];
  warnings: string[];
  problems: SourceProblem[];
}

/** Client and session fields of rows written by an import: who wrote them is the old server. */
export const IMPORT_CLIENT_NAMES: Record<ImportKind, string> = {
  'claude-dementia': 'claude-dementia (imported)',
  'server-memory': 'server-memory (imported)',
  'dementia-export': 'dementia export (imported)',
};
