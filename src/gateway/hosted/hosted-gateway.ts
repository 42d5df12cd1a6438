import { EventEmitter } from 'node:events';
import type { Server as HttpServer } from 'node:http';
import { capConnections, hostedServerOptions } from './connection-limits.ts';
import type pg from 'pg';
import { systemClock, type Clock } from '../clock.ts';
import { callEventsFor, closeServer, createGatewayServer, idleSweeperFor, listenOn } from '../gateway-wiring.ts';
import { McpEndpoint } from '../http/mcp-endpoint.ts';
import { createMcpSurface, type McpSurface } from '../http/mcp-surface.ts';
import { SignedSessionIds, type SessionIds } from '../http/session-ids.ts';
import { createLogger, type Logger } from '../logger.ts';
import type { IdleSweeper } from '../sessions/idle-sweeper.ts';
import type { CallEvents } from '../sessions/recorded-call.ts';
import { ensureSecretScanner } from '../secret-scan/screen.ts';
import { WorkSessionService } from '../sessions/work-session-service.ts';
import { createPool, type ConnectionLimits } from '../pg/pg-connection.ts';
import { describeFailure } from '../pg/pg-failure.ts';
import { Notifications } from '../pg/notifications.ts';
import { allTools } from '../tools/index.ts';
import type { HostedAuth, HostedAuthDeps } from './hosted-auth.ts';
import { createHostedRequestHandler } from './hosted-http.ts';
import type { HostedSettings } from './hosted-settings.ts';
import { HostedMetrics } from './metrics/hosted-metrics.ts';
import { loadSessionIdKey } from './oauth/server-keys.ts';
import { OperatorRoutes } from './metrics/operator-routes.ts';
import { timedToolCalls } from './metrics/timed-tools.ts';
import { PgTenantMemory } from './pg-memory/pg-memory.ts';
import { ProcessChanges } from './process-changes.ts';
import { postgresStartError } from './pg-transaction.ts';
import { RemoteClientDirectory } from './remote-clients.ts';
import { DEFAULT_TENANT_CAPS, type TenantCaps } from './tenant-caps.ts';
import { TenantDirectory } from './tenant-directory.ts';
import { TenantMaintenance } from './tenant-maintenance.ts';

export interface HostedGatewayOptions {
  settings: HostedSettings;
  /** How clients sign in (OAuth); injected so the composition stays in one place for both. */
  createAuth: (deps: HostedAuthDeps) => Promise<HostedAuth>;
  clock?: Clock;
  logger?: Logger;
  /** Per-tenant caps (tests use small ones); DEFAULT_TENANT_CAPS otherwise. Not settable by env on purpose. */
  tenantCaps?: Partial<TenantCaps>;
}

export type HostedGatewayEvents = { change: [reason: string] };

/** How the hosted server's connections show in pg_stat_activity (desktops call theirs 'dementia-companion'). */
export const HOSTED_APPLICATION_NAME = 'dementia-companion hosted';

/** Statement cap: a hosted call holds a pooled connection, and nobody waits for a stuck one for long. */
const STATEMENT_TIMEOUT_MS = 15_000;

/**
 * The composition root of hosted mode (`dementia serve --hosted`): the same tool layer, MCP
 * endpoint and work-session rules as the desktop gateway, over each tenant's Postgres schema (the
 * only store), behind OAuth. Stateless apart from caches and open MCP transports, so several
 * processes can serve the same tenants behind a load balancer.
 */
export class HostedGateway {
  readonly settings: HostedSettings;
  readonly events = new EventEmitter<HostedGatewayEvents>();
  readonly tenants: TenantDirectory;
  readonly clients: RemoteClientDirectory;
  readonly endpoint: McpEndpoint;
  private readonly surface: McpSurface;
  readonly sweeper: IdleSweeper;
  readonly workSessions: WorkSessionService;
  readonly pool: pg.Pool;
  readonly metrics: HostedMetrics;
  private readonly memories = new Map<string, PgTenantMemory>();
  private readonly maintenance: TenantMaintenance;
  private readonly processChanges: ProcessChanges;
  private readonly notifications: Notifications;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private auth: HostedAuth | undefined;
  /** Signs session ids with the key all processes share (loaded at start, before the first request). */
  private signedSessionIds: SessionIds | undefined;
  private http: HttpServer | undefined;
  private operator: OperatorRoutes | undefined;
  private boundPort = 0;

  private constructor(options: HostedGatewayOptions) {
    this.settings = options.settings;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? createLogger(undefined, this.settings.logFormat);
    // The one pool of the process: every tenant, OAuth and the sweeper share its connections; one
    // more connection of the budget listens for the other processes' resource changes.
    const limits: ConnectionLimits = {
      poolMax: this.settings.maxConnections - 1,
      statementTimeoutMs: STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: 5_000,
      applicationName: HOSTED_APPLICATION_NAME,
    };
    this.pool = createPool(this.settings.pg, limits, this.logger);
    this.notifications = new Notifications(this.pool, (error) =>
      this.logger.warn('a change was not announced to the listening processes and desktops', { error: describeFailure(error, this.settings.pg.secrets) }),
    );
    this.processChanges = new ProcessChanges({
      notifications: this.notifications,
      target: this.settings.pg,
      limits,
      apply: (change) => this.surface.changes.apply(change),
      logger: this.logger,
    });
    this.tenants = new TenantDirectory(this.pool);
    const caps: TenantCaps = { ...DEFAULT_TENANT_CAPS, ...options.tenantCaps };
    this.clients = new RemoteClientDirectory(this.pool, { caps, clock: this.clock });
    this.workSessions = new WorkSessionService(this.settings.idleMinutes);
    const changed = (reason: string) => this.events.emit('change', reason);
    this.metrics = new HostedMetrics({
      mcpSessions: () => this.endpoint.stats().connections,
      connectedClients: () => this.endpoint.liveByClient().size,
      pool: () => ({ inUse: this.pool.totalCount - this.pool.idleCount, waiting: this.pool.waitingCount }),
      listening: () => this.processChanges.listening,
    });
    const shared = createMcpSurface({
      memoryOf: (caller) => this.memoryOf(caller.tenant),
      workSessions: this.workSessions,
      tools: allTools,
      events: this.callEvents(changed),
      onResourceChange: (change) => this.processChanges.publish(change),
    });
    const surface = { ...shared, tools: timedToolCalls(shared.tools, (tool, seconds) => this.metrics.toolLatency(tool, seconds)) };
    this.surface = surface;
    const sessionIds = (): SessionIds => {
      if (!this.signedSessionIds) throw new Error('an MCP request arrived before the session id key was loaded');
      return this.signedSessionIds;
    };
    this.endpoint = new McpEndpoint({
      surface,
      clock: this.clock,
      logger: this.logger,
      sessionsPerTenant: caps.sessionsPerTenant,
      sessionIds: { issue: (caller) => sessionIds().issue(caller), issuedTo: (id, caller) => sessionIds().issuedTo(id, caller) },
    });
    this.maintenance = new TenantMaintenance(this.pool, this.clock);
    // Each tenant's handovers reach its resource watchers as they are written (sweepAllTenants).
    this.sweeper = idleSweeperFor({
      sweep: () => this.sweepAllTenants(),
      idleMs: this.workSessions.idleMs,
      logger: this.logger,
      changed,
      written: (handovers) => this.metrics.handoversWritten('idle', handovers.length),
    });
  }

  /** What every call reports: the shared live-view and log events, plus this process's metrics. */
  private callEvents(changed: (reason: string) => void): CallEvents {
    const shared = callEventsFor(this.logger, changed);
    return {
      ...shared,
      onCall: (operation, caller, ok, errorCode) => {
        shared.onCall?.(operation, caller, ok, errorCode);
        this.metrics.call(operation, ok ? undefined : (errorCode ?? 'ERROR'));
      },
      onOutcome: (outcome) => {
        if (outcome.effects.handover) this.metrics.handoversWritten('end_session');
      },
    };
  }

  static async start(options: HostedGatewayOptions): Promise<HostedGateway> {
    const gateway = new HostedGateway(options);
    try {
      await gateway.tenants.prepare().catch((error: unknown) => Promise.reject(postgresStartError(error, gateway.settings.pg)));
      await gateway.tenants.upgradeAll();
      gateway.signedSessionIds = new SignedSessionIds(await loadSessionIdKey(gateway.pool));
      // A server loads the secret scanner before it serves: no first write pays for it (the desktop loads it on first need).
      await ensureSecretScanner();
      // Listening first: without DEMENTIA_PUBLIC_URL the public URL is the socket's (port 0 in tests).
      await gateway.listen();
      gateway.auth = await options.createAuth({
        pool: gateway.pool,
        publicUrl: gateway.publicUrl,
        tenants: gateway.tenants,
        clients: gateway.clients,
        clock: gateway.clock,
        logger: gateway.logger,
        trustedProxies: gateway.settings.trustedProxies,
        onSignIn: (outcome) => gateway.metrics.signIn(outcome),
      });
    } catch (error) {
      await gateway.stop().catch(() => undefined);
      throw error;
    }
    await gateway.processChanges.start();
    await gateway.sweeper.start();
    gateway.endpoint.startReaper();
    return gateway;
  }

  /** The public origin: DEMENTIA_PUBLIC_URL, else the listening socket's address. */
  get publicUrl(): URL {
    if (this.settings.publicUrl) return this.settings.publicUrl;
    const host = this.settings.host === '0.0.0.0' || this.settings.host === '::' ? '127.0.0.1' : this.settings.host;
    return new URL(`http://${host.includes(':') ? `[${host}]` : host}:${this.boundPort}`);
  }

  /** The MCP URL clients are given: the public origin's /mcp. */
  get mcpUrl(): string {
    return new URL('/mcp', this.publicUrl).toString();
  }

  get port(): number {
    return this.boundPort;
  }

  /** The memory of a tenant; a hosted caller always has one. */
  memoryOf(tenant: string | undefined): PgTenantMemory {
    if (!tenant) throw new Error('a hosted call reached the tool layer without a tenant');
    let memory = this.memories.get(tenant);
    if (!memory) {
      memory = new PgTenantMemory(this.pool, tenant, this.clock, this.notifications);
      this.memories.set(tenant, memory);
    }
    return memory;
  }

  /**
   * Every tenant's idle sessions become handovers, without waiting for a client call; several
   * processes may sweep at once (a session ends once: see WorkSessionService.finalize).
   */
  private async sweepAllTenants() {
    const handovers = [];
    for (const tenant of await this.tenants.list()) {
      try {
        const memory = this.memoryOf(tenant.schema);
        // The activity the calls' once-a-minute writes held back, so desktops and the CLI see it.
        await memory.publishActivity();
        const written = await this.workSessions.sweep(memory);
        handovers.push(...written);
        void this.surface.changes.handoversWritten(written, tenant.schema);
        await this.maintenance.tidy(tenant.schema);
        await this.clients.dropUnused(tenant.schema);
      } catch (error) {
        this.logger.error('sweep of a tenant failed', { tenant: tenant.schema, error: error instanceof Error ? error.message : String(error) });
      }
    }
    return handovers;
  }

  async stop(): Promise<void> {
    if (this.operator && this.auth && this.settings.drainSeconds > 0) {
      this.logger.info('draining: /readyz answers 503 until the load balancer has seen it', { maxSeconds: this.settings.drainSeconds });
      await this.operator.drain(this.settings.drainSeconds * 1000);
    }
    this.sweeper.stop();
    await this.endpoint.closeAll();
    const http = this.http;
    if (http) await closeServer(http);
    await this.auth?.close();
    this.auth = undefined;
    await this.processChanges.stop();
    await this.notifications.drain();
    await this.pool.end();
  }

  private async listen(): Promise<void> {
    const operator = new OperatorRoutes({ metrics: this.metrics, metricsToken: this.settings.metricsToken, pool: this.pool });
    this.operator = operator;
    const http = createGatewayServer(
      createHostedRequestHandler({ endpoint: this.endpoint, auth: () => this.auth, operator, logger: this.logger }),
      hostedServerOptions(),
    );
    capConnections(http, {}, this.settings.trustedProxies);
    this.http = http;
    this.boundPort = await listenOn(http, {
      port: this.settings.port,
      host: this.settings.host,
      fix: 'Stop the other program, or choose another port with --port N or DEMENTIA_PORT.',
    });
  }
}
