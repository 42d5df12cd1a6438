import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the gauges read when Prometheus scrapes: the process's live state, asked for then. */
export interface LiveState {
  /** Open MCP sessions of this process. */
  mcpSessions(): number;
  /** Signed-in clients with at least one open MCP session on this process. */
  connectedClients(): number;
  /** The Postgres pool: connections checked out, and requests waiting for one. */
  pool(): { inUse: number; waiting: number };
  /** Whether the connection that hears the other processes' changes (LISTEN) is up. */
  listening(): boolean;
}

/** Tool latencies: a hosted call is a few Postgres round trips, so buckets from 1 ms to 10 s. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The hosted process's Prometheus metrics, in a registry of its own (not prom-client's global one),
 * so several servers in one test process keep separate counts. Every label value comes from a
 * closed set (tool and error names of this program, fixed route names), never from a request, so
 * nobody can grow the series without bound.
 */
export class HostedMetrics {
  readonly registry = new Registry();
  private readonly calls = new Counter({
    name: 'dementia_calls_total',
    help: 'Recorded calls (tools, prompts, resource reads) by operation and outcome: ok or the error code.',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'dementia_tool_call_duration_seconds',
    help: 'Time to answer a tools/call, by tool.',
    labelNames: ['tool'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly signIns = new Counter({
    name: 'dementia_sign_ins_total',
    help: 'Sign-ins on the sign-in page: allowed, or refused (wrong API key, too many attempts).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly rateLimited = new Counter({
    name: 'dementia_rate_limited_total',
    help: 'Requests refused with 429 Too Many Requests, by route.',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });
  private readonly handovers = new Counter({
    name: 'dementia_handovers_written_total',
    help: 'Handovers this process wrote: by the idle sweep, or by end_session.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  constructor(live: LiveState) {
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read());
        },
      });
    gauge('dementia_mcp_sessions', 'Open MCP sessions on this process.', () => live.mcpSessions());
    gauge('dementia_connected_clients', 'Signed-in clients with an open MCP session on this process.', () => live.connectedClients());
    gauge('dementia_pg_pool_in_use', 'Postgres connections of the pool checked out right now.', () => live.pool().inUse);
    gauge('dementia_pg_pool_waiting', 'Requests waiting for a Postgres connection of the pool.', () => live.pool().waiting);
    gauge('dementia_pg_listen_up', "1 while the connection that hears the other processes' changes (LISTEN) is up, else 0.", () => (live.listening() ? 1 : 0));
  }

  /** One recorded call: `errorCode` undefined when it succeeded. */
  call(operation: string, errorCode: string | undefined): void {
    this.calls.inc({ operation, outcome: errorCode ?? 'ok' });
  }

  toolLatency(tool: string, seconds: number): void {
    this.latency.observe({ tool }, seconds);
  }

  signIn(outcome: 'allowed' | 'refused'): void {
    this.signIns.inc({ outcome });
  }

  refusedTooMany(route: string): void {
    this.rateLimited.inc({ route });
  }

  handoversWritten(reason: 'idle' | 'end_session', count = 1): void {
    this.handovers.inc({ reason }, count);
  }

  /** The text exposition format, and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
