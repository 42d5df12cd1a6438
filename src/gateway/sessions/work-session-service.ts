import type { Memory } from '../memory/memory.ts';
import type { ClientRecord } from '../store/clients.ts';
import type { Handover } from '../store/handovers.ts';
import type { WorkSession } from '../store/work-sessions.ts';
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
 * session without a call for `idleMinutes` becomes exactly one handover. The rules are the same
 * for every store, so they take the memory they act on.
 */
export class WorkSessionService {
  readonly idleMs: number;

  constructor(idleMinutes: number) {
    this.idleMs = idleMinutes * 60_000;
  }

  /** The open session of this client instance on this project, started if needed; records the call. */
  async touch(memory: Memory, client: ClientRecord, instanceKey: string, project: string, tool: string): Promise<SessionTouch> {
    const now = memory.clock.now();
    let finalizedBefore: Handover | undefined;
    let session = await memory.sessions.findOpen(client.id, instanceKey, project);
    if (session && now - session.lastActivityAt >= this.idleMs) {
      finalizedBefore = await this.finalize(memory, session, session.lastActivityAt, 'idle', {});
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
      await memory.sessions.insert(session);
    }
    await memory.sessions.touch(session.id, now, tool);
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
  finalize(memory: Memory, session: WorkSession, endedAt: number, reason: string, modelNotes: ModelNotes): Promise<Handover> {
    return memory.transaction(async (tx) => {
      if (!(await tx.sessions.end(session.id, endedAt, reason))) {
        const existing = await tx.handovers.bySession(session.id);
        if (existing) return existing;
      }
      const fresh = (await tx.sessions.byId(session.id)) ?? session;
      const content = composeHandoverContent(fresh, endedAt, await tx.activity.forSession(session.id), await tx.notes.forSession(session.id), modelNotes);
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
        createdAt: tx.clock.now(),
      };
      // What was stored, which is what the caller may show: credentials in it are masked.
      return tx.handovers.insert(handover);
    });
  }

  /** Finalizes every session idle for at least the timeout, with its real end time (its last call). */
  async sweep(memory: Memory): Promise<Handover[]> {
    const cutoff = memory.clock.now() - this.idleMs;
    const handovers: Handover[] = [];
    for (const session of await memory.sessions.idleSince(cutoff)) {
      handovers.push(await this.finalize(memory, session, session.lastActivityAt, 'idle', {}));
    }
    return handovers;
  }

  /** Minutes until the session becomes a handover, from `now`. */
  minutesUntilHandover(session: WorkSession, now: number): number {
    return Math.max(0, (session.lastActivityAt + this.idleMs - now) / 60_000);
  }
}
