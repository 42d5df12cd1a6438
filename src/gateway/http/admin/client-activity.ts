import type { ClientStatus, StatusSnapshot } from '../../status-snapshot.ts';

/** A call within this many minutes counts as "active"; after it the tray says "idle N min". */
export const ACTIVE_MINUTES = 2;

/** What a client is doing, for the tray line and the status window badge. */
export type ClientActivity =
  | { kind: 'active'; minutesUntilHandover: number }
  | { kind: 'idle'; idleMinutes: number; minutesUntilHandover: number }
  | { kind: 'handover-written'; at: string }
  | { kind: 'connected' }
  | { kind: 'never-connected' }
  | { kind: 'no-session' };

export interface ClientView extends ClientStatus {
  /** The project its next call without a `project` argument goes to, and whether its config pins it. */
  project: string | null;
  pinned: boolean;
  activity: ClientActivity;
  /** "active", "idle 37 min", "handover written", ... */
  activityLabel: string;
}

/** The pin wins (invariant 1); else the most recently set active project of its instances. */
export function effectiveProject(client: ClientStatus): { project: string | null; pinned: boolean } {
  if (client.pinnedProject) return { project: client.pinnedProject, pinned: true };
  const latest = client.instances.find((instance) => instance.activeProject !== null);
  return { project: latest?.activeProject ?? null, pinned: false };
}

export function clientActivity(client: ClientStatus, snapshot: Pick<StatusSnapshot, 'now' | 'handovers'>): ClientActivity {
  const now = Date.parse(snapshot.now);
  const latest = [...client.sessions].sort((a, b) => Date.parse(b.lastActivityAt) - Date.parse(a.lastActivityAt))[0];
  if (latest) {
    const idleMinutes = Math.max(0, Math.floor((now - Date.parse(latest.lastActivityAt)) / 60_000));
    const minutesUntilHandover = Math.min(...client.sessions.map((s) => s.minutesUntilHandover));
    return idleMinutes < ACTIVE_MINUTES ? { kind: 'active', minutesUntilHandover } : { kind: 'idle', idleMinutes, minutesUntilHandover };
  }
  const handover = snapshot.handovers.find((h) => h.client === client.name);
  if (handover) return { kind: 'handover-written', at: handover.endedAt };
  if (client.connections > 0) return { kind: 'connected' };
  if (client.lastSeenAt === null) return { kind: 'never-connected' };
  return { kind: 'no-session' };
}

export function formatMinutes(minutes: number): string {
  const whole = Math.round(minutes);
  if (whole < 60) return `${whole} min`;
  const rest = whole % 60;
  return rest === 0 ? `${Math.floor(whole / 60)} h` : `${Math.floor(whole / 60)} h ${rest} min`;
}

export function activityLabel(activity: ClientActivity): string {
  switch (activity.kind) {
    case 'active':
      return 'active';
    case 'idle':
      return `idle ${formatMinutes(activity.idleMinutes)}`;
    case 'handover-written':
      return 'handover written';
    case 'connected':
      return 'connected';
    case 'never-connected':
      return 'not connected yet';
    case 'no-session':
      return 'no open session';
  }
}

export function clientView(client: ClientStatus, snapshot: Pick<StatusSnapshot, 'now' | 'handovers'>): ClientView {
  const activity = clientActivity(client, snapshot);
  return { ...client, ...effectiveProject(client), activity, activityLabel: activityLabel(activity) };
}
