import type { Handover } from '../store/handovers.ts';
import type { Note } from '../store/notes.ts';
import type { WorkSession } from '../store/work-sessions.ts';

/** The shapes of synced rows as they travel between SQLite and Postgres, shared by push and pull. */

/** A context version as the local table stores it (tags as JSON array text). */
export interface ContextRow {
  id: string;
  project: string;
  label: string;
  version: number;
  content: string;
  priority: string;
  tags: string;
  contentHash: string;
  createdAt: number;
  clientId: string | null;
  sessionId: string | null;
}

export type SessionRow = Omit<WorkSession, 'handoverAnnounced'>;

/** A handover with its structured content still as JSON text. */
export type HandoverRow = Omit<Handover, 'content'> & { content: string };

/** A note whose kind is checked when it is applied, not when it is read off the wire. */
export type NoteRow = Omit<Note, 'kind'> & { kind: string };

export interface TombstoneRow {
  id: string;
  archivedAt: number;
  archivedBy: string | null;
  archivedIn: string | null;
}
