import type { Caller } from '../sessions/caller.ts';

/** What the table needs to know of a connection (one MCP transport session). */
export interface TableEntry {
  id: string;
  caller: Caller;
  lastRequestAt: number;
  /** Requests being answered right now; a busy connection is never evicted. */
  inFlight: number;
}

export interface SessionCaps {
  /** Live sessions per client instance (a window, a repository): the oldest is closed beyond it. */
  perInstance: number;
  /** Live sessions per client over all its instances (instance keys are the client's to choose). */
  perClient: number;
}

/**
 * Real clients hold one or two sessions per window and reconnect every 15-60 s without saying
 * goodbye; 16 per instance leaves room for many windows sharing one instance key and a minute of
 * abandoned sessions, while bounding what a reconnect loop can pile up.
 */
export const DEFAULT_SESSION_CAPS: SessionCaps = { perInstance: 16, perClient: 64 };

/**
 * The live connections, by session id, with per-client and per-instance caps: adding one beyond a
 * cap evicts the least recently used idle connections of that client (or instance), which the
 * caller closes. An evicted session id that comes back is re-attached like one from before a restart.
 */
export class ConnectionTable<C extends TableEntry> {
  private readonly byId = new Map<string, C>();
  private readonly byClient = new Map<string, Set<C>>();
  /** Live connections per hosted tenant (local callers have none). */
  private readonly byTenant = new Map<string, number>();
  private readonly caps: SessionCaps;

  constructor(caps: SessionCaps = DEFAULT_SESSION_CAPS) {
    this.caps = caps;
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): C | undefined {
    return this.byId.get(id);
  }

  /** Live connections of a tenant. */
  countOfTenant(tenant: string): number {
    return this.byTenant.get(tenant) ?? 0;
  }

  list(): C[] {
    return [...this.byId.values()];
  }

  /** Adds a connection; returns the ones evicted to stay within the caps (still to be closed). */
  add(connection: C): C[] {
    this.delete(connection.id);
    this.byId.set(connection.id, connection);
    this.countTenant(connection, +1);
    const clientId = connection.caller.client.id;
    let mine = this.byClient.get(clientId);
    if (!mine) this.byClient.set(clientId, (mine = new Set()));
    mine.add(connection);
    const sameInstance = [...mine].filter((other) => other.caller.instanceKey === connection.caller.instanceKey);
    const evicted = this.evict(sameInstance, this.caps.perInstance, connection);
    const rest = [...mine].filter((other) => !evicted.includes(other));
    evicted.push(...this.evict(rest, this.caps.perClient, connection));
    for (const gone of evicted) this.delete(gone.id);
    return evicted;
  }

  delete(id: string): boolean {
    const connection = this.byId.get(id);
    if (!connection) return false;
    this.byId.delete(id);
    this.countTenant(connection, -1);
    const clientId = connection.caller.client.id;
    const mine = this.byClient.get(clientId);
    mine?.delete(connection);
    if (mine?.size === 0) this.byClient.delete(clientId);
    return true;
  }

  private countTenant(connection: C, by: number): void {
    const tenant = connection.caller.tenant;
    if (tenant === undefined) return;
    const count = (this.byTenant.get(tenant) ?? 0) + by;
    if (count > 0) this.byTenant.set(tenant, count);
    else this.byTenant.delete(tenant);
  }

  /** Least recently used first, never the connection just added nor a busy one. */
  private evict(group: C[], cap: number, keep: C): C[] {
    const excess = group.length - cap;
    if (excess <= 0) return [];
    return group
      .filter((candidate) => candidate !== keep && candidate.inFlight === 0)
      .sort((a, b) => a.lastRequestAt - b.lastRequestAt)
      .slice(0, excess);
  }
}
