import { EventEmitter } from 'node:events';
import type { Server as HttpServer } from 'node:http';
import { join } from 'node:path';
import { systemClock, type Clock, type Timers } from './clock.ts';
import { callEventsFor, closeServer, createGatewayServer, idleSweeperFor, listenOn } from './gateway-wiring.ts';
import { preferSmallHeap } from './heap-policy.ts';
import { AdminApi } from './http/admin-api.ts';
import { createRequestHandler } from './http/http-server.ts';
import { LocalAuth } from './http/local-auth.ts';
import { McpEndpoint } from './http/mcp-endpoint.ts';
import { createMcpSurface } from './http/mcp-surface.ts';
import { StaticFiles } from './http/static-files.ts';
import { FolderLock } from './folder-lock.ts';
import { readOrCreateLocalSecret } from './local-secret.ts';
import { createLogger, type Logger } from './logger.ts';
import { removeRuntimeInfo, writeRuntimeInfo } from './runtime-file.ts';
import { createServices, type Services } from './services.ts';
import type { ConnectionCounts } from './status-snapshot.ts';
import type { IdleSweeper } from './sessions/idle-sweeper.ts';
import type { Settings } from './settings.ts';
import { ACTIVITY_RETENTION_MS } from './store/activity.ts';
import { APPLIED_CALL_RETENTION_MS } from './store/applied-calls.ts';
import { openDatabase, DATABASE_FILE } from './store/database.ts';
import { resolveSyncConfig } from './sync/sync-config.ts';
import type { SyncTuning, SyncWorker } from './sync/sync-worker.ts';
import { allTools } from './tools/index.ts';
import { APP_VERSION } from './version.ts';

export interface GatewayOptions {
  settings: Settings;
  clock?: Clock;
  logger?: Logger;
  /**
   * Claim the data folder: take its lock (one gateway per folder) and write gateway.json for the
   * CLI. Off only in tests that run several gateways on one folder.
   */
  writeRuntimeFile?: boolean;
  /** Sync timings (tests and benchmarks shorten them). */
  syncTuning?: Partial<SyncTuning>;
  /** What spaces resource notifications (tests move it; the system's timers otherwise). */
  timers?: Timers;
}

/** Events for live views (tray, status window): 'change' after anything they show changed. */
export type GatewayEvents = { change: [reason: string] };

/**
 * The composition root: one local store, the tools, the MCP endpoint, the admin API and the idle
 * sweeper, served on 127.0.0.1. Plain Node; the desktop shell and the CLI both start it this way.
 */
export class Gateway {
  readonly services: Services;
  readonly endpoint: McpEndpoint;
  readonly sweeper: IdleSweeper;
  readonly events = new EventEmitter<GatewayEvents>();
  readonly settings: Settings;
  /** Answers the local proof of the bridge and the CLI (local-proof.ts) and knows the sessions it issued. */
  readonly localAuth: LocalAuth;
  /** The admin API; the desktop shell attaches its settings to it and issues window sign-in codes. */
  readonly admin: AdminApi;
  /** Postgres sync; undefined when none is configured (a normal state). */
  readonly sync: SyncWorker | undefined;
  private readonly http: HttpServer;
  private readonly logger: Logger;
  private readonly folderLock: FolderLock | undefined;
  private boundPort = 0;
  private pruneTimer: NodeJS.Timeout | undefined;
  private appliedCallsTimer: NodeJS.Timeout | undefined;

  private constructor(options: GatewayOptions, folderLock: FolderLock | undefined, syncWorker: typeof SyncWorker | undefined) {
    this.settings = options.settings;
    this.logger = options.logger ?? createLogger();
    this.folderLock = folderLock;
    const clock = options.clock ?? systemClock;
    // A malformed sync setting stops start-up with a UserError before anything is opened.
    const syncConfig = resolveSyncConfig(this.settings);
    const db = openDatabase(join(this.settings.dataDir, DATABASE_FILE), clock);
    this.services = createServices(db, clock, this.settings.idleMinutes);
    void this.localSecret; // created (or replaced, with a warning) now rather than at the first bridge
    this.localAuth = new LocalAuth({ clients: this.services.clients, clock, localSecret: () => this.localSecret, port: () => this.boundPort });
    const changed = (reason: string) => this.events.emit('change', reason);
    this.sync =
      syncConfig && syncWorker
        ? new syncWorker({
            services: this.services,
            config: syncConfig,
            clock,
            logger: this.logger,
            onChange: () => changed('sync'),
            tuning: options.syncTuning,
          })
        : undefined;
    if (this.sync) {
      const sync = this.sync;
      this.services.syncStatus.attach(() => sync.status());
    }
    const services = this.services;
    const surface = createMcpSurface({
      memoryOf: () => services.memory,
      workSessions: services.workSessions,
      tools: allTools,
      events: callEventsFor(this.logger, changed),
      timers: options.timers,
    });
    this.endpoint = new McpEndpoint({
      surface,
      clock,
      logger: this.logger,
      onConnectionsChanged: () => changed('connections'),
      // "Last connected" survives the sessions and the gateway: kept with the client.
      onContact: (caller, at) => services.clients.markContact(caller.client.id, at),
    });
    this.sweeper = idleSweeperFor({
      sweep: () => services.workSessions.sweep(services.memory),
      idleMs: services.workSessions.idleMs,
      logger: this.logger,
      changed,
      written: (handovers) => void surface.changes.handoversWritten(handovers),
    });
    this.admin = new AdminApi(this);
    this.http = createGatewayServer(
      createRequestHandler({
        port: () => this.boundPort,
        services: this.services,
        endpoint: this.endpoint,
        admin: this.admin,
        staticFiles: new StaticFiles(),
        localAuth: this.localAuth,
        logger: this.logger,
      }),
    );
  }

  static async start(options: GatewayOptions): Promise<Gateway> {
    preferSmallHeap();
    // Before opening anything: a second gateway on this folder says where the first runs and stops.
    const lock = (options.writeRuntimeFile ?? true) ? FolderLock.acquire(options.settings.dataDir) : undefined;
    let gateway: Gateway;
    try {
      // The sync worker (and pg) load only when sync is configured.
      const syncWorker = resolveSyncConfig(options.settings) ? (await import('./sync/sync-worker.ts')).SyncWorker : undefined;
      gateway = new Gateway(options, lock, syncWorker);
    } catch (error) {
      lock?.release();
      throw error;
    }
    try {
      await gateway.listen();
    } catch (error) {
      gateway.services.db.close();
      lock?.release();
      throw error;
    }
    // Sessions that went idle while the app was not running are finalized now, with their real end time.
    await gateway.sweeper.start();
    gateway.startActivityPruning();
    gateway.endpoint.startReaper();
    gateway.sync?.start();
    if (gateway.folderLock) {
      writeRuntimeInfo(gateway.settings.dataDir, {
        pid: process.pid,
        port: gateway.port,
        mcpUrl: gateway.mcpUrl,
        startedAt: new Date().toISOString(),
        version: APP_VERSION,
      });
    }
    return gateway;
  }

  /** Read when needed: any local process may have replaced an unusable file meanwhile. */
  get localSecret(): string {
    return readOrCreateLocalSecret(this.settings.dataDir, (reason) => this.logger.warn(reason));
  }

  get port(): number {
    return this.boundPort;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  get mcpUrl(): string {
    return `${this.baseUrl}/mcp`;
  }

  connectionCounts(): ConnectionCounts {
    return this.endpoint.liveByClient();
  }

  async stop(): Promise<void> {
    this.sweeper.stop();
    clearInterval(this.pruneTimer);
    clearInterval(this.appliedCallsTimer);
    await this.endpoint.closeAll();
    await closeServer(this.http);
    await this.sync?.stop();
    if (this.folderLock) removeRuntimeInfo(this.settings.dataDir, process.pid);
    this.services.db.close();
    this.folderLock?.release();
  }

  /** The activity log feeds handovers and the live feed; a month of it is plenty. */
  private startActivityPruning(): void {
    const prune = () => this.services.activity.prune(this.services.clock.now() - ACTIVITY_RETENTION_MS);
    prune();
    this.pruneTimer = setInterval(prune, 6 * 60 * 60_000);
    this.pruneTimer.unref();
    // Answers kept for resent write calls are needed for minutes, not hours.
    this.appliedCallsTimer = setInterval(() => this.services.appliedCalls.prune(this.services.clock.now() - APPLIED_CALL_RETENTION_MS), 5 * 60_000);
    this.appliedCallsTimer.unref();
  }

  private async listen(): Promise<void> {
    this.boundPort = await listenOn(this.http, {
      port: this.settings.port,
      host: this.settings.host,
      holder: 'another Dementia Companion, or another program',
      fix: 'Stop the other program, or choose another port with --port N or the DEMENTIA_PORT setting.',
    });
  }
}
