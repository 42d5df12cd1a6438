import type { Clock } from '../clock.ts';
import { newId } from '../secrets.ts';
import type { Outbox } from './outbox.ts';
import type { Db } from './database.ts';

export const NOTE_KINDS = ['decision', 'todo', 'progress', 'note'] as const;
export type NoteKind = (typeof NOTE_KINDS)[number];

export interface Note {
  id: string;
  project: string;
  sessionId: string;
  kind: NoteKind;
  text: string;
  createdAt: number;
}

const SELECT = 'SELECT id, project_name AS project, session_id AS sessionId, kind, text, created_at AS createdAt FROM notes';

/** Decisions, todos and progress notes the model records during a work session. */
export class NoteStore {
  private readonly db: Db;
  private readonly clock: Clock;
  private readonly outbox: Outbox | undefined;
  private readonly stmts;

  constructor(db: Db, clock: Clock, outbox?: Outbox) {
    this.db = db;
    this.clock = clock;
    this.outbox = outbox;
    this.stmts = {
      insert: db.prepare(
        'INSERT INTO notes (id, project_name, session_id, kind, text, created_at) VALUES (@id, @project, @sessionId, @kind, @text, @createdAt)',
      ),
      forSession: db.prepare(`${SELECT} WHERE session_id = ? ORDER BY created_at`),
      recentOfProject: db.prepare(`${SELECT} WHERE project_name = ? ORDER BY created_at DESC LIMIT ?`),
      recentOfKind: db.prepare(`${SELECT} WHERE project_name = ? AND kind = ? ORDER BY created_at DESC LIMIT ?`),
      exists: db.prepare('SELECT 1 FROM notes WHERE id = ?').pluck(),
      allOfProject: db.prepare(`${SELECT} WHERE project_name = ? ORDER BY created_at, id`),
    };
  }

  add(project: string, sessionId: string, kind: NoteKind, text: string): Note {
    const note: Note = { id: newId(), project, sessionId, kind, text, createdAt: this.clock.now() };
    this.insert(note);
    return note;
  }

  /** Writes a note as given (its own id and time: notes copied in from another memory). */
  insert(note: Note): void {
    this.db.transaction(() => {
      this.stmts.insert.run(note);
      this.outbox?.record('note', 'upsert', note.id);
    })();
  }

  has(id: string): boolean {
    return this.stmts.exists.get(id) !== undefined;
  }

  forSession(sessionId: string): Note[] {
    return this.stmts.forSession.all(sessionId) as Note[];
  }

  /** Every note of a project, oldest first (export). */
  allOfProject(project: string): Note[] {
    return this.stmts.allOfProject.all(project) as Note[];
  }

  recent(project: string, limit: number, kind?: NoteKind): Note[] {
    const rows = kind === undefined ? this.stmts.recentOfProject.all(project, limit) : this.stmts.recentOfKind.all(project, kind, limit);
    return rows as Note[];
  }
}
