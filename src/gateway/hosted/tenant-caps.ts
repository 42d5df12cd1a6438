/** What one tenant may hold, so no tenant can flood a process or the server (issue 20 item 7). */
export interface TenantCaps {
  /** Live MCP sessions of one tenant on one process; beyond it, new sessions get 429. */
  sessionsPerTenant: number;
  /** Signed-in (not revoked) clients of one tenant; beyond it, a new client's sign-in gets 429. */
  clientsPerTenant: number;
  /** A client that signed in and never made a call is dropped, with its grant, after this long. */
  unusedClientMs: number;
}

/**
 * Numbers real use never meets: a person's clients hold one or two sessions per window (64 per
 * client already), and a handful of clients (claude.ai, Claude Desktop, Claude Code per machine);
 * a flood of 30 sign-ins x 30 initialize made 900 sessions in 2 s. A client that signs in uses
 * its grant within seconds; one unused for a day was abandoned or made to fill the cap.
 */
export const DEFAULT_TENANT_CAPS: TenantCaps = {
  sessionsPerTenant: 256,
  clientsPerTenant: 200,
  unusedClientMs: 24 * 60 * 60_000,
};
