/** Writing last-seen on every call would add a write per call; once a minute is enough. */
export const LAST_SEEN_RESOLUTION_MS = 60_000;

/**
 * Decides when a client's last-seen time is due for a write. The caller's record can be older than
 * the store's (an MCP session keeps the record it began with), so this also remembers what it let
 * through; one entry per client.
 */
export class LastSeenThrottle {
  private readonly written = new Map<string, number>();

  due(client: { readonly id: string; readonly lastSeenAt: number | null }, now: number): boolean {
    const last = Math.max(client.lastSeenAt ?? -Infinity, this.written.get(client.id) ?? -Infinity);
    if (now - last < LAST_SEEN_RESOLUTION_MS) return false;
    this.written.set(client.id, now);
    return true;
  }
}
