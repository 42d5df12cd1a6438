import type { ClientStatus, StatusSnapshot } from '../../status-snapshot.ts';

/** A call within this many minutes counts as "active"; after it the tray says "idle N min". */
export const ACTIVE_MINUTES = 2;

/** What a client is doing, for the tray line and the status window badge. */
export type ClientActivity =
  | { kind: 'active'; minutesUntilHandover: number }
  | { kind: 'idle'; idleMinutes: number; minutesUntilHandover: number }
  | { kind: 'handover-written'; at: string; connected: boolean }
  | { kind: 'connected'; lastContactAt: string; called: boolean }
  | { kind: 'disconnected'; lastContactAt: string; called: boolean }
  | { kind: 'never-connected' };

export interface ClientView extends ClientStatus {
  /** The project its next call without a `project` argument goes to, and whether its config pins it. */
  project: string | null;
  pinned: boolean;
  activity: ClientActivity;
  /** "active", "idle 37 min", "connected, no tool call yet", "last connected 5 min ago", ... */
  activityLabel: string;
}

/** The pin wins (invariant 1, docs/design.md); else the most recently set active project of its instances. */
export function effectiveProject(client: ClientStatus): { project: string | null; pinned: boolean } {
  if (client.pinnedProject) return { project: client.pinnedProject, pinned: true };
  const latest = client.instances.find((instance) => instance.activeProject !== null);
  return { project: latest?.activeProject ?? null, pinned: false };
}

/** Whole minutes since a work session's last call, never negative. */
export const idleMinutesOf = (lastActivityAt: string, now: number): number => Math.max(0, Math.floor((now - Date.parse(lastActivityAt)) / 60_000));

/**
 * An open work session says most (active, idle); else the handover its work became; else a live
 * MCP session (connected, even before its first tool call); else when it was last connected.
 */
export function clientActivity(client: ClientStatus, snapshot: Pick<StatusSnapshot, 'now' | 'handovers'>): ClientActivity {
  const now = Date.parse(snapshot.now);
  const latest = [...client.sessions].sort((a, b) => Date.parse(b.lastActivityAt) - Date.parse(a.lastActivityAt))[0];
  if (latest) {
    const idleMinutes = idleMinutesOf(latest.lastActivityAt, now);
    const minutesUntilHandover = Math.min(...client.sessions.map((s) => s.minutesUntilHandover));
    return idleMinutes < ACTIVE_MINUTES ? { kind: 'active', minutesUntilHandover } : { kind: 'idle', idleMinutes, minutesUntilHandover };
  }
  const handover = snapshot.handovers.find((h) => h.client === client.name);
  if (handover) return { kind: 'handover-written', at: handover.endedAt, connected: client.connections > 0 };
  const called = client.lastSeenAt !== null;
  if (client.connections > 0) return { kind: 'connected', lastContactAt: client.lastContactAt ?? snapshot.now, called };
  if (client.lastContactAt !== null) return { kind: 'disconnected', lastContactAt: client.lastContactAt, called };
  return { kind: 'never-connected' };
}

export function formatMinutes(minutes: number): string {
  const whole = Math.round(minutes);
  if (whole < 60) return `${whole} min`;
  const rest = whole % 60;
  return rest === 0 ? `${Math.floor(whole / 60)} h` : `${Math.floor(whole / 60)} h ${rest} min`;
}

/** "just now", "5 min ago", "3 h ago", "4 days ago". */
export function sinceText(at: string, now: string): string {
  const minutes = Math.max(0, Math.floor((Date.parse(now) - Date.parse(at)) / 60_000));
  if (minutes < 1) return 'just now';
  if (minutes < 48 * 60) return `${formatMinutes(minutes)} ago`;
  return `${Math.floor(minutes / 1440)} days ago`;
}

export function activityLabel(activity: ClientActivity, now: string): string {
  switch (activity.kind) {
    case 'active':
      return 'active';
    case 'idle':
      return `idle ${formatMinutes(activity.idleMinutes)}`;
    case 'connected':
      return activity.called ? 'connected' : 'connected, no tool call yet';
    case 'handover-written':
      return activity.connected ? 'handover written, connected' : 'handover written';
    case 'disconnected':
      return `last connected ${sinceText(activity.lastContactAt, now)}${activity.called ? '' : ', no tool call yet'}`;
    case 'never-connected':
      return 'not connected yet';
  }
}

export function clientView(client: ClientStatus, snapshot: Pick<StatusSnapshot, 'now' | 'handovers'>): ClientView {
  const activity = clientActivity(client, snapshot);
  return { ...client, ...effectiveProject(client), activity, activityLabel: activityLabel(activity, snapshot.now) };
}
