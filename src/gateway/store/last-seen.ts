/** Writing last-seen on every call would add a write per call; once a minute is enough. */
export const LAST_SEEN_RESOLUTION_MS = 60_000;

/**
 * Decides when a client's last-seen time is due for a write. The caller's record can be older than
 * the store's (an MCP session keeps the record it began with), so this also remembers what it let
 * through; one entry per client. It also keeps the latest time it held back, so a periodic flush
 * can write it: without that, a burst of calls that then stops would leave the first call's time.
 */
export class LastSeenThrottle {
  private readonly written = new Map<string, number>();
  private readonly heldBack = new Map<string, number>();

  due(client: { readonly id: string; readonly lastSeenAt: number | null }, now: number): boolean {
    const last = Math.max(client.lastSeenAt ?? -Infinity, this.written.get(client.id) ?? -Infinity);
    if (now - last < LAST_SEEN_RESOLUTION_MS) {
      this.heldBack.set(client.id, Math.max(now, this.heldBack.get(client.id) ?? -Infinity));
      return false;
    }
    this.written.set(client.id, now);
    this.heldBack.delete(client.id);
    return true;
  }

  /** The seen times held back since the last take (client id to time), now counted as written. */
  takeHeldBack(): Map<string, number> {
    const taken = new Map(this.heldBack);
    this.heldBack.clear();
    for (const [id, at] of taken) this.written.set(id, Math.max(at, this.written.get(id) ?? -Infinity));
    return taken;
  }

  /** Puts back what a failed flush took, unless a newer time was held back since. */
  giveBack(taken: Map<string, number>): void {
    for (const [id, at] of taken) this.heldBack.set(id, Math.max(at, this.heldBack.get(id) ?? -Infinity));
  }
}
