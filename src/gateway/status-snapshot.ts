import type { Services } from './services.ts';
import { chooseForReader, READER_WINDOW, recordsWork } from './sessions/handover-choice.ts';
import type { SyncStatus } from './store/sync-status.ts';
import { iso, isoOrNull } from './text/format.ts';

/** Per client, what only a running gateway knows: its live MCP sessions and its last request on them. */
export type ConnectionCounts = ReadonlyMap<string, LiveConnections>;

export interface LiveConnections {
  sessions: number;
  /** Its last request on them, or now while one of them has a stream open. */
  lastContactAt: number;
}

export interface ClientStatus {
  id: string;
  name: string;
  kind: string;
  pinnedProject: string | null;
  /** The last tool call (to the minute); null: no tool call yet. */
  lastSeenAt: string | null;
  /** The last request of any kind (initialize included): now-ish while connected, else when it was last connected. */
  lastContactAt: string | null;
  /** Live MCP sessions; 0 once they all closed. */
  connections: number;
  instances: { instanceKey: string; activeProject: string | null }[];
  sessions: {
    id: string;
    project: string;
    instanceKey: string;
    startedAt: string;
    lastActivityAt: string;
    callCount: number;
    lastTool: string | null;
    minutesUntilHandover: number;
  }[];
}

/** A client of the hosted server (claude.ai, a remote Desktop), known through sync. */
export interface RemoteClientStatus {
  id: string;
  name: string;
  kind: string;
  lastSeenAt: string | null;
  sessions: { id: string; project: string; startedAt: string; lastActivityAt: string; callCount: number }[];
}

export interface StatusSnapshot {
  now: string;
  idleMinutes: number;
  clients: ClientStatus[];
  /** The tenant's clients on the hosted server with their open work sessions (empty without sync). */
  remoteClients: RemoteClientStatus[];
  projects: { name: string; description: string; contextCount: number; lastChangeAt: string | null }[];
  handovers: {
    id: string;
    project: string;
    client: string;
    endedAt: string;
    endReason: string;
    summary: string;
    /** False for a session that changed nothing and left no notes or summary. */
    recordsWork: boolean;
    /** True for the handover the project's next session reads (get_last_handover). */
    forReader: boolean;
  }[];
  activity: { at: string; client: string | null; project: string | null; tool: string; ok: boolean; summary: string }[];
  /** Postgres sync: state, pending changes, last push and pull, last error, conflicts. */
  sync: SyncStatus;
}

/** The latest handovers, each marked with whether it records work and whether its project's next session reads it. */
function recentHandovers(services: Services): StatusSnapshot['handovers'] {
  const recent = services.handovers.recent(10);
  const forReader = new Set(
    [...new Set(recent.map((h) => h.project))].map((project) => chooseForReader(services.handovers.recent(READER_WINDOW, project))?.handover.id),
  );
  return recent.map((h) => ({
    id: h.id,
    project: h.project,
    client: h.clientName,
    endedAt: iso(h.endedAt),
    endReason: h.endReason,
    summary: h.summary,
    recordsWork: recordsWork(h.content),
    forReader: forReader.has(h.id),
  }));
}

const latestOf = (...times: (number | null | undefined)[]): number | null => {
  const known = times.filter((at): at is number => typeof at === 'number');
  return known.length === 0 ? null : Math.max(...known);
};

/** Everything the status window, the tray and `dementia status` show, read in one place. */
export function statusSnapshot(services: Services, connections: ConnectionCounts = new Map()): StatusSnapshot {
  const open = services.sessions.allOpen();
  const now = services.clock.now();
  return {
    now: new Date(now).toISOString(),
    idleMinutes: services.workSessions.idleMs / 60_000,
    clients: services.clients.list().map((client) => ({
      id: client.id,
      name: client.name,
      kind: client.kind,
      pinnedProject: client.pinnedProject,
      lastSeenAt: isoOrNull(client.lastSeenAt),
      lastContactAt: isoOrNull(latestOf(connections.get(client.id)?.lastContactAt, client.lastContactAt, client.lastSeenAt)),
      connections: connections.get(client.id)?.sessions ?? 0,
      instances: services.clients.instances(client.id).map(({ instanceKey, activeProject }) => ({ instanceKey, activeProject })),
      sessions: open
        .filter((session) => session.clientId === client.id)
        .map((session) => ({
          id: session.id,
          project: session.project,
          instanceKey: session.instanceKey,
          startedAt: iso(session.startedAt),
          lastActivityAt: iso(session.lastActivityAt),
          callCount: session.callCount,
          lastTool: session.lastTool,
          minutesUntilHandover: Math.round(services.workSessions.minutesUntilHandover(session, now) * 10) / 10,
        })),
    })),
    remoteClients: remoteClientsOf(services),
    projects: services.projects
      .list()
      .map((p) => ({ name: p.name, description: p.description, contextCount: p.contextCount, lastChangeAt: isoOrNull(p.lastChangeAt) })),
    handovers: recentHandovers(services),
    activity: services.activity.recent(30).map((a) => ({
      at: iso(a.at),
      client: a.clientName,
      project: a.project,
      tool: a.tool,
      ok: a.ok,
      summary: a.summary,
    })),
    sync: services.syncStatus.current(),
  };
}

function remoteClientsOf(services: Services): RemoteClientStatus[] {
  const open = services.sessions.openElsewhere();
  return services.remoteClients.active().map((client) => ({
    id: client.id,
    name: client.name,
    kind: client.kind,
    lastSeenAt: isoOrNull(client.lastSeenAt),
    sessions: open
      .filter((session) => session.clientId === client.id)
      .map((session) => ({
        id: session.id,
        project: session.project,
        startedAt: iso(session.startedAt),
        lastActivityAt: iso(session.lastActivityAt),
        callCount: session.callCount,
      })),
  }));
}
