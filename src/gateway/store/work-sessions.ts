import type { Outbox } from './outbox.ts';
import type { Db } from './database.ts';

export interface WorkSession {
  id: string;
  clientId: string;
  clientName: string;
  instanceKey: string;
  project: string;
  startedAt: number;
  lastActivityAt: number;
  callCount: number;
  lastTool: string | null;
  endedAt: number | null;
  endReason: string | null;
  handoverAnnounced: boolean;
}

const SELECT = `SELECT id, client_id AS clientId, client_name AS clientName, instance_key AS instanceKey,
  project_name AS project, started_at AS startedAt, last_activity_at AS lastActivityAt, call_count AS callCount,
  last_tool AS lastTool, ended_at AS endedAt, end_reason AS endReason, handover_announced AS handoverAnnounced
  FROM work_sessions`;

type Row = Omit<WorkSession, 'handoverAnnounced'> & { handoverAnnounced: number };
const toSession = (row: Row): WorkSession => ({ ...row, handoverAnnounced: row.handoverAnnounced === 1 });

/** Rows of work sessions: the logical period of work of one client instance on one project. */
export class WorkSessionStore {
  private readonly db: Db;
  private readonly outbox: Outbox | undefined;
  private readonly stmts;

  constructor(db: Db, outbox?: Outbox) {
    this.db = db;
    this.outbox = outbox;
    // Sessions pulled from other machines (origin set) are shown, never swept or continued here.
    this.stmts = {
      open: db.prepare(`${SELECT} WHERE client_id = ? AND instance_key = ? AND project_name = ? AND ended_at IS NULL`),
      byId: db.prepare(`${SELECT} WHERE id = ?`),
      insert: db.prepare(
        `INSERT INTO work_sessions (id, client_id, client_name, instance_key, project_name, started_at, last_activity_at)
         VALUES (@id, @clientId, @clientName, @instanceKey, @project, @startedAt, @lastActivityAt)`,
      ),
      touch: db.prepare('UPDATE work_sessions SET last_activity_at = ?, call_count = call_count + 1, last_tool = ? WHERE id = ?'),
      end: db.prepare('UPDATE work_sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL'),
      idle: db.prepare(`${SELECT} WHERE ended_at IS NULL AND origin IS NULL AND last_activity_at <= ? ORDER BY last_activity_at`),
      allOpen: db.prepare(`${SELECT} WHERE ended_at IS NULL AND origin IS NULL ORDER BY last_activity_at DESC`),
      openElsewhere: db.prepare(`${SELECT} WHERE ended_at IS NULL AND origin IS NOT NULL ORDER BY last_activity_at DESC`),
      openOnProject: db.prepare(`${SELECT} WHERE ended_at IS NULL AND origin IS NULL AND project_name = ? ORDER BY last_activity_at DESC`),
      announced: db.prepare('UPDATE work_sessions SET handover_announced = 1 WHERE id = ?'),
    };
  }

  findOpen(clientId: string, instanceKey: string, project: string): WorkSession | undefined {
    const row = this.stmts.open.get(clientId, instanceKey, project) as Row | undefined;
    return row ? toSession(row) : undefined;
  }

  byId(id: string): WorkSession | undefined {
    const row = this.stmts.byId.get(id) as Row | undefined;
    return row ? toSession(row) : undefined;
  }

  insert(session: Pick<WorkSession, 'id' | 'clientId' | 'clientName' | 'instanceKey' | 'project' | 'startedAt' | 'lastActivityAt'>): void {
    this.db.transaction(() => {
      this.stmts.insert.run(session);
      this.outbox?.record('work_session', 'upsert', session.id);
    })();
  }

  touch(id: string, at: number, tool: string): void {
    this.stmts.touch.run(at, tool, id);
  }

  /** Marks the session ended; false if it already was (so it is finalized exactly once). */
  end(id: string, endedAt: number, reason: string): boolean {
    return this.db.transaction(() => {
      const ended = this.stmts.end.run(endedAt, reason, id).changes === 1;
      if (ended) this.outbox?.record('work_session', 'upsert', id);
      return ended;
    })();
  }

  /** Open sessions whose last call was at or before `cutoff`. */
  idleSince(cutoff: number): WorkSession[] {
    return (this.stmts.idle.all(cutoff) as Row[]).map(toSession);
  }

  allOpen(): WorkSession[] {
    return (this.stmts.allOpen.all() as Row[]).map(toSession);
  }

  /** Open sessions pulled from elsewhere (other machines, the hosted server), most recently active first. */
  openElsewhere(): WorkSession[] {
    return (this.stmts.openElsewhere.all() as Row[]).map(toSession);
  }

  openOnProject(project: string): WorkSession[] {
    return (this.stmts.openOnProject.all(project) as Row[]).map(toSession);
  }

  markHandoverAnnounced(id: string): void {
    this.stmts.announced.run(id);
  }
}
