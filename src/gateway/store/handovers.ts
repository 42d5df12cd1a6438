import type { Outbox } from './outbox.ts';
import type { Db } from './database.ts';

export interface Handover {
  id: string;
  project: string;
  sessionId: string;
  clientId: string;
  clientName: string;
  startedAt: number;
  endedAt: number;
  endReason: string;
  /** Readable text for the model and the status window. */
  summary: string;
  /** The structured record the summary was written from. */
  content: HandoverContent;
  createdAt: number;
}

export interface HandoverContent {
  durationMinutes: number;
  toolCalls: number;
  locked: { label: string; version: number; priority: string }[];
  archived: { label: string; version: number }[];
  restored: { label: string; version: number }[];
  recalled: { label: string; version: number }[];
  searches: string[];
  decisions: string[];
  todos: string[];
  progress: string[];
  notes: string[];
  modelSummary: string | null;
  nextSteps: string[];
  openQuestions: string[];
}

const SELECT = `SELECT id, project_name AS project, session_id AS sessionId, client_id AS clientId,
  client_name AS clientName, started_at AS startedAt, ended_at AS endedAt, end_reason AS endReason,
  summary, content, created_at AS createdAt FROM handovers`;

type Row = Omit<Handover, 'content'> & { content: string };
const toHandover = (row: Row): Handover => ({ ...row, content: JSON.parse(row.content) as HandoverContent });

export class HandoverStore {
  private readonly db: Db;
  private readonly outbox: Outbox | undefined;
  private readonly stmts;

  constructor(db: Db, outbox?: Outbox) {
    this.db = db;
    this.outbox = outbox;
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO handovers (id, project_name, session_id, client_id, client_name, started_at, ended_at, end_reason, summary, content, created_at)
         VALUES (@id, @project, @sessionId, @clientId, @clientName, @startedAt, @endedAt, @endReason, @summary, @content, @createdAt)`,
      ),
      recentOfProject: db.prepare(`${SELECT} WHERE project_name = ? ORDER BY ended_at DESC, created_at DESC LIMIT ?`),
      recent: db.prepare(`${SELECT} ORDER BY ended_at DESC, created_at DESC LIMIT ?`),
      allOfProject: db.prepare(`${SELECT} WHERE project_name = ? ORDER BY ended_at, id`),
      bySession: db.prepare(`${SELECT} WHERE session_id = ?`),
      count: db.prepare('SELECT count(*) FROM handovers WHERE project_name = ?').pluck(),
      exists: db.prepare('SELECT 1 FROM handovers WHERE id = ?').pluck(),
    };
  }

  insert(handover: Handover): Handover {
    this.db.transaction(() => {
      this.stmts.insert.run({ ...handover, content: JSON.stringify(handover.content) });
      this.outbox?.record('handover', 'upsert', handover.id);
    })();
    return handover;
  }

  has(id: string): boolean {
    return this.stmts.exists.get(id) !== undefined;
  }

  recent(limit: number, project?: string): Handover[] {
    const rows = project === undefined ? this.stmts.recent.all(limit) : this.stmts.recentOfProject.all(project, limit);
    return (rows as Row[]).map(toHandover);
  }

  /** Every handover of a project, oldest first (export). */
  allOfProject(project: string): Handover[] {
    return (this.stmts.allOfProject.all(project) as Row[]).map(toHandover);
  }

  bySession(sessionId: string): Handover | undefined {
    const row = this.stmts.bySession.get(sessionId) as Row | undefined;
    return row ? toHandover(row) : undefined;
  }

  count(project: string): number {
    return this.stmts.count.get(project) as number;
  }
}
