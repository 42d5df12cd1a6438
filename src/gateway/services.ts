import type { Clock } from './clock.ts';
import type { Db } from './store/database.ts';
import { ActivityLog } from './store/activity.ts';
import { AppliedCallStore } from './store/applied-calls.ts';
import { ClientStore } from './store/clients.ts';
import { ContextStore } from './store/contexts.ts';
import { HandoverStore } from './store/handovers.ts';
import { NoteStore } from './store/notes.ts';
import { ProjectStore } from './store/projects.ts';
import { RemoteClientStore } from './store/remote-clients.ts';
import { ContextSearch } from './store/search.ts';
import { WorkSessionStore } from './store/work-sessions.ts';
import { SqliteMemory } from './memory/sqlite-memory.ts';
import { WorkSessionService } from './sessions/work-session-service.ts';
import { Outbox } from './store/outbox.ts';
import { SyncStatusBoard } from './store/sync-status.ts';

/** The stores and services over one database: what tools, the admin API and the CLI work with. */
export interface Services {
  readonly db: Db;
  readonly clock: Clock;
  readonly projects: ProjectStore;
  readonly contexts: ContextStore;
  readonly search: ContextSearch;
  readonly clients: ClientStore;
  readonly sessions: WorkSessionStore;
  readonly handovers: HandoverStore;
  readonly notes: NoteStore;
  readonly activity: ActivityLog;
  readonly appliedCalls: AppliedCallStore;
  readonly workSessions: WorkSessionService;
  /** These stores as the tool layer's Memory (what tools, work sessions and project resolution use). */
  readonly memory: SqliteMemory;
  /** The tenant's hosted clients, pulled by sync. */
  readonly remoteClients: RemoteClientStore;
  /** Local changes waiting for Postgres; every store write path appends to it. */
  readonly outbox: Outbox;
  readonly syncStatus: SyncStatusBoard;
}

export function createServices(db: Db, clock: Clock, idleMinutes: number): Services {
  const outbox = new Outbox(db, clock);
  const sessions = new WorkSessionStore(db, outbox);
  const handovers = new HandoverStore(db, outbox);
  const notes = new NoteStore(db, clock, outbox);
  const activity = new ActivityLog(db);
  const stores = {
    db,
    clock,
    projects: new ProjectStore(db, clock, outbox),
    contexts: new ContextStore(db, clock, outbox),
    search: new ContextSearch(db),
    clients: new ClientStore(db, clock),
    sessions,
    handovers,
    notes,
    activity,
    appliedCalls: new AppliedCallStore(db, clock),
  };
  return {
    ...stores,
    workSessions: new WorkSessionService(idleMinutes),
    memory: new SqliteMemory(stores),
    remoteClients: new RemoteClientStore(db),
    outbox,
    syncStatus: new SyncStatusBoard(db, outbox),
  };
}
