import { newId } from '../secrets.ts';
import type { SecretPolicy } from '../secret-scan/screen.ts';
import type { Services } from '../services.ts';
import { ConflictLog, describeConflict } from '../store/conflict-log.ts';
import { ContextPlacement, type Displaced, type PlacementTarget } from './context-placement.ts';
import type { PulledChanges, PulledContext, PulledTombstone } from './pull.ts';
import type { PushResult } from './push.ts';

/**
 * Writes what came from Postgres into the local store, in the caller's transaction, without
 * recording it in the outbox (no echo). A pending local change of the same row wins: it is pushed
 * after this and so is also the last word on the server.
 */
export class LocalApply {
  private readonly services: Services;
  private readonly machineId: string;
  private readonly placement: ContextPlacement;
  private readonly conflicts: ConflictLog;
  private readonly stmts;

  constructor(services: Services, machineId: string) {
    const { db } = services;
    this.services = services;
    this.machineId = machineId;
    this.placement = new ContextPlacement(db, services.contexts, services.outbox);
    this.conflicts = new ConflictLog(db);
    this.stmts = {
      upsertSession: db.prepare(
        `INSERT INTO work_sessions (id, client_id, client_name, instance_key, project_name, started_at, last_activity_at, call_count,
           last_tool, ended_at, end_reason, handover_announced, origin)
         VALUES (@id, @clientId, @clientName, @instanceKey, @project, @startedAt, @lastActivityAt, @callCount, @lastTool, @endedAt,
           @endReason, 1, @origin)
         ON CONFLICT (id) DO UPDATE SET last_activity_at = excluded.last_activity_at, call_count = excluded.call_count,
           last_tool = excluded.last_tool, ended_at = excluded.ended_at, end_reason = excluded.end_reason
         WHERE work_sessions.origin IS NOT NULL`,
      ),
      insertHandover: db.prepare(
        `INSERT OR IGNORE INTO handovers (id, project_name, session_id, client_id, client_name, started_at, ended_at, end_reason, summary, content, created_at)
         VALUES (@id, @project, @sessionId, @clientId, @clientName, @startedAt, @endedAt, @endReason, @summary, @content, @createdAt)`,
      ),
      insertNote: db.prepare(
        `INSERT OR IGNORE INTO notes (id, project_name, session_id, kind, text, created_at)
         VALUES (@id, @project, @sessionId, @kind, @text, @createdAt)`,
      ),
    };
  }

  /** Applies one pulled batch; returns how many conflicts this machine found while applying it. */
  applyPulled(changes: PulledChanges): number {
    const { projects, outbox } = this.services;
    for (const project of changes.projects) {
      if (project.deleted) {
        if (projects.exists(project.name) && !outbox.hasPending('project', project.name, ['upsert'])) {
          outbox.withoutRecording(() => projects.delete(project.name));
        }
      } else if (this.ensureProject(project.name, project.description, project.secretPolicy)) {
        // A setting changed elsewhere, unless this machine changed it since and has not pushed that yet.
        if (projects.secretPolicy(project.name) !== project.secretPolicy && !outbox.hasPending('project', project.name, ['upsert'])) {
          outbox.withoutRecording(() => projects.setSecretPolicy(project.name, project.secretPolicy));
        }
      }
    }
    let found = 0;
    for (const group of groupByLabel(changes.contexts)) {
      if (!this.ensureProject(group.project)) continue;
      const targets: PlacementTarget[] = group.rows.map((row) => ({ id: row.id, version: row.version, insert: toNewVersion(row) }));
      const origins = new Map(group.rows.map((row) => [row.id, row.origin]));
      const displaced = this.placement.place(group.project, group.label, targets);
      found += this.recordConflicts(group.project, group.label, displaced, origins);
    }
    for (const tombstone of changes.tombstones) this.applyTombstone(tombstone);
    for (const session of changes.sessions) {
      if (this.ensureProject(session.project)) this.stmts.upsertSession.run(session);
    }
    for (const handover of changes.handovers) {
      if (this.ensureProject(handover.project)) this.stmts.insertHandover.run(handover);
    }
    for (const note of changes.notes) {
      if (this.ensureProject(note.project)) this.stmts.insertNote.run(note);
    }
    for (const conflict of changes.conflicts) this.conflicts.add(conflict);
    for (const client of changes.remoteClients) this.services.remoteClients.upsert(client);
    return found;
  }

  /** Moves this machine's contexts to the versions the server gave them, and stores the server's conflicts. */
  applyPushResult(result: PushResult): void {
    const groups = new Map<string, { project: string; label: string; targets: PlacementTarget[] }>();
    for (const row of result.renumbered) {
      const key = JSON.stringify([row.project, row.label]);
      const group = groups.get(key) ?? { project: row.project, label: row.label, targets: [] };
      group.targets.push({ id: row.id, version: row.version });
      groups.set(key, group);
    }
    for (const group of groups.values()) this.placement.place(group.project, group.label, group.targets);
    for (const conflict of result.conflicts) this.conflicts.add(conflict);
  }

  /** Creates a project a pulled row needs; false when this machine deleted it and has not pushed that yet. */
  private ensureProject(name: string, description = '', secretPolicy?: SecretPolicy): boolean {
    const { projects, outbox } = this.services;
    if (projects.exists(name)) return true;
    if (outbox.hasPending('project', name, ['delete'])) return false;
    outbox.withoutRecording(() => projects.create(name, description, secretPolicy));
    return true;
  }

  private recordConflicts(project: string, label: string, displaced: Displaced[], origins: Map<string, string>): number {
    let count = 0;
    for (const moved of displaced) {
      if (!moved.pending || moved.collidedWith === null || origins.get(moved.collidedWith) === this.machineId) continue;
      const id = newId();
      const kept = this.services.contexts.get(project, label, moved.from);
      const mine = this.services.contexts.get(project, label, moved.to);
      this.conflicts.add({
        id,
        project,
        label,
        version: moved.from,
        keptContextId: moved.collidedWith,
        movedContextId: moved.id,
        movedToVersion: moved.to,
        detail: describeConflict(label, moved.from, moved.to, kept !== undefined && kept.contentHash === mine?.contentHash),
        detectedAt: this.services.clock.now(),
        origin: this.machineId,
      });
      // Other machines learn about it through Postgres.
      this.services.outbox.record('conflict', 'upsert', id);
      count += 1;
    }
    return count;
  }

  private applyTombstone(tombstone: PulledTombstone): void {
    if (this.services.outbox.hasPending('context', tombstone.id, ['archive', 'restore'])) return;
    const { contexts } = this.services;
    const moved = tombstone.restored
      ? contexts.moveToLive(tombstone.id)
      : contexts.moveToArchive(tombstone.id, tombstone.archivedAt, tombstone.archivedBy, tombstone.archivedIn);
    if (moved) contexts.refreshLatest(tombstone.project, tombstone.label);
  }
}

function toNewVersion(row: PulledContext): PlacementTarget['insert'] {
  return {
    id: row.id,
    project: row.project,
    label: row.label,
    content: row.content,
    priority: row.priority,
    tags: JSON.stringify(row.tags),
    contentHash: row.contentHash,
    createdAt: row.createdAt,
    clientId: row.clientId,
    sessionId: row.sessionId,
    archived: row.archivedAt === null ? null : { at: row.archivedAt, by: row.archivedBy, in: row.archivedIn },
  };
}

function groupByLabel(rows: PulledContext[]): { project: string; label: string; rows: PulledContext[] }[] {
  const groups = new Map<string, { project: string; label: string; rows: PulledContext[] }>();
  for (const row of rows) {
    const key = JSON.stringify([row.project, row.label]);
    const group = groups.get(key) ?? { project: row.project, label: row.label, rows: [] };
    group.rows.push(row);
    groups.set(key, group);
  }
  return [...groups.values()];
}
