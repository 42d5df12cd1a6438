import type { Clock } from '../clock.ts';
import type { Db } from '../store/database.ts';
import type { ActivityLog } from '../store/activity.ts';
import type { ClientRecord } from '../store/clients.ts';
import type { Handover, HandoverStore } from '../store/handovers.ts';
import type { NoteStore } from '../store/notes.ts';
import type { WorkSession, WorkSessionStore } from '../store/work-sessions.ts';
import { newId } from '../secrets.ts';
import { composeHandoverContent, renderHandover, type ModelNotes } from './handover-composer.ts';

export interface SessionTouch {
  session: WorkSession;
  /** True when this call started the session. */
  started: boolean;
  /** Handovers written for sessions that had gone idle before this call (the sweeper had not run yet). */
  finalizedBefore: Handover | undefined;
}

/**
 * Work sessions are (client, instance, project): every tool call on a project touches one, and a
 * session without a call for `idleMinutes` becomes exactly one handover.
 */
export class WorkSessionService {
  private readonly db: Db;
  private readonly clock: Clock;
  private readonly sessions: WorkSessionStore;
  private readonly handovers: HandoverStore;
  private readonly notes: NoteStore;
  private readonly activity: ActivityLog;
  readonly idleMs: number;

  constructor(deps: {
    db: Db;
    clock: Clock;
    sessions: WorkSessionStore;
    handovers: HandoverStore;
    notes: NoteStore;
    activity: ActivityLog;
    idleMinutes: number;
  }) {
    this.db = deps.db;
    this.clock = deps.clock;
    this.sessions = deps.sessions;
    this.handovers = deps.handovers;
    this.notes = deps.notes;
    this.activity = deps.activity;
    this.idleMs = deps.idleMinutes * 60_000;
  }

  /** The open session of this client instance on this project, started if needed; records the call. */
  touch(client: ClientRecord, instanceKey: string, project: string, tool: string): SessionTouch {
    const now = this.clock.now();
    let finalizedBefore: Handover | undefined;
    let session = this.sessions.findOpen(client.id, instanceKey, project);
    if (session && now - session.lastActivityAt >= this.idleMs) {
      finalizedBefore = this.finalize(session, session.lastActivityAt, 'idle', {});
      session = undefined;
    }
    const started = session === undefined;
    if (!session) {
      session = {
        id: newId(),
        clientId: client.id,
        clientName: client.name,
        instanceKey,
        project,
        startedAt: now,
        lastActivityAt: now,
        callCount: 0,
        lastTool: null,
        endedAt: null,
        endReason: null,
        handoverAnnounced: false,
      };
      this.sessions.insert(session);
    }
    this.sessions.touch(session.id, now, tool);
    return {
      session: { ...session, lastActivityAt: now, callCount: session.callCount + 1, lastTool: tool },
      started,
      finalizedBefore,
    };
  }

  /**
   * Ends the session and writes its handover, once: a second call for the same session returns
   * the handover already written.
   */
  finalize(session: WorkSession, endedAt: number, reason: string, modelNotes: ModelNotes): Handover {
    return this.db.transaction(() => {
      if (!this.sessions.end(session.id, endedAt, reason)) {
        const existing = this.handovers.bySession(session.id);
        if (existing) return existing;
      }
      const fresh = this.sessions.byId(session.id) ?? session;
      const content = composeHandoverContent(
        fresh,
        endedAt,
        this.activity.forSession(session.id),
        this.notes.forSession(session.id),
        modelNotes,
      );
      const handover: Handover = {
        id: newId(),
        project: fresh.project,
        sessionId: fresh.id,
        clientId: fresh.clientId,
        clientName: fresh.clientName,
        startedAt: fresh.startedAt,
        endedAt,
        endReason: reason,
        summary: renderHandover(fresh, endedAt, reason, content),
        content,
        createdAt: this.clock.now(),
      };
      this.handovers.insert(handover);
      return handover;
    }).immediate();
  }

  /** Finalizes every session idle for at least the timeout, with its real end time (its last call). */
  sweep(): Handover[] {
    const cutoff = this.clock.now() - this.idleMs;
    return this.sessions.idleSince(cutoff).map((session) => this.finalize(session, session.lastActivityAt, 'idle', {}));
  }

  /** Minutes until the session becomes a handover, from now. */
  minutesUntilHandover(session: WorkSession): number {
    return Math.max(0, (session.lastActivityAt + this.idleMs - this.clock.now()) / 60_000);
  }
}
