import type { Db } from './database.ts';

/** What a tool call changed or read, in a form handovers can aggregate. */
export interface ActivityEffects {
  locked?: { label: string; version: number; priority: string }[];
  archived?: { label: string; version: number }[];
  restored?: { label: string; version: number }[];
  recalled?: { label: string; version: number }[];
  searched?: string[];
  /** The handover this call wrote (end_session). */
  handover?: { id: string };
}

export interface ActivityEntry {
  id: number;
  at: number;
  clientId: string;
  clientName: string | null;
  project: string | null;
  sessionId: string | null;
  tool: string;
  ok: boolean;
  summary: string;
  effects: ActivityEffects;
}

export interface NewActivity {
  at: number;
  clientId: string;
  project: string | null;
  sessionId: string | null;
  tool: string;
  ok: boolean;
  summary: string;
  effects?: ActivityEffects | undefined;
}

type Row = Omit<ActivityEntry, 'ok' | 'effects'> & { ok: number; detail: string | null };
const toEntry = (row: Row): ActivityEntry => {
  const { detail, ...rest } = row;
  return { ...rest, ok: row.ok === 1, effects: detail ? (JSON.parse(detail) as ActivityEffects) : {} };
};

const SELECT = `SELECT a.id, a.at, a.client_id AS clientId, c.name AS clientName, a.project_name AS project,
  a.session_id AS sessionId, a.tool, a.ok, a.summary, a.detail FROM activity a LEFT JOIN clients c ON c.id = a.client_id`;

/** The log of tool calls: raw material of handovers and of the activity feed. Holds no secrets. */
/** A month of call log is plenty for handovers and the activity feed (the desktop and the hosted server prune to it). */
export const ACTIVITY_RETENTION_MS = 30 * 24 * 60 * 60_000;

export class ActivityLog {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO activity (at, client_id, project_name, session_id, tool, ok, summary, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      forSession: db.prepare(`${SELECT} WHERE a.session_id = ? ORDER BY a.id`),
      recent: db.prepare(`${SELECT} ORDER BY a.id DESC LIMIT ?`),
      markRead: db.prepare(
        `INSERT INTO context_reads (project_name, label, read_at) VALUES (?, ?, ?)
         ON CONFLICT (project_name, label) DO UPDATE SET read_at = max(read_at, excluded.read_at)`,
      ),
      prune: db.prepare(
        'DELETE FROM activity WHERE at < ? AND (session_id IS NULL OR session_id NOT IN (SELECT id FROM work_sessions WHERE ended_at IS NULL))',
      ),
    };
  }

  record(entry: NewActivity): void {
    const detail = entry.effects && Object.keys(entry.effects).length > 0 ? JSON.stringify(entry.effects) : null;
    this.stmts.insert.run(entry.at, entry.clientId, entry.project, entry.sessionId, entry.tool, entry.ok ? 1 : 0, entry.summary, detail);
    // Every read of a context is recorded here (recall, search results opened, resources, prompts):
    // the dashboard's "not read in a long time" comes from it.
    if (entry.ok && entry.project !== null) {
      for (const label of new Set(entry.effects?.recalled?.map((r) => r.label))) this.stmts.markRead.run(entry.project, label, entry.at);
    }
  }

  forSession(sessionId: string): ActivityEntry[] {
    return (this.stmts.forSession.all(sessionId) as Row[]).map(toEntry);
  }

  recent(limit: number): ActivityEntry[] {
    return (this.stmts.recent.all(limit) as Row[]).map(toEntry);
  }

  /** Drops entries older than `before`, keeping those of sessions still open. */
  prune(before: number): number {
    return this.stmts.prune.run(before).changes;
  }
}
