import { createServer, type IncomingMessage, type Server as HttpServer, type ServerOptions, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UserError } from './errors.ts';
import type { Logger } from './logger.ts';
import type { CallEvents } from './sessions/recorded-call.ts';
import { IdleSweeper } from './sessions/idle-sweeper.ts';
import type { Handover } from './store/handovers.ts';

/**
 * The wiring both composition roots share (the local Gateway and the HostedGateway): what calls
 * report to the live views and the log, the idle sweeper's reports, and the HTTP listener with its
 * port-in-use answer. One place, so the two modes cannot drift apart.
 */

/** What every MCP call reports: a change for the live views, an unexpected error to the log. */
export function callEventsFor(logger: Logger, changed: (reason: string) => void): CallEvents {
  return {
    onCall: (tool) => changed(`tool:${tool}`),
    onInternalError: (error, tool) => logger.error('tool failed', { tool, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  };
}

/** The idle sweeper of a gateway: handovers it writes are logged, told to `written` and shown as a change. */
export function idleSweeperFor(deps: {
  sweep: () => Promise<Handover[]>;
  idleMs: number;
  logger: Logger;
  changed: (reason: string) => void;
  /** Besides the log and the live views, who hears of the handovers written (resource notifications). */
  written?: (handovers: Handover[]) => void;
}): IdleSweeper {
  return new IdleSweeper({
    sweep: deps.sweep,
    idleMs: deps.idleMs,
    onHandovers: (handovers) => {
      deps.logger.info('idle sessions finalized', { count: handovers.length });
      deps.written?.(handovers);
      deps.changed('handovers');
    },
    onError: (error) => deps.logger.error('idle sweep failed', { error: String(error) }),
  });
}

/** An HTTP server for MCP clients, whose connections outlive the idle timeouts of proxies and clients (60 s). */
export function createGatewayServer(handler: (req: IncomingMessage, res: ServerResponse) => void, options: ServerOptions = {}): HttpServer {
  return createServer({ keepAliveTimeout: 65_000, ...options }, handler);
}

/**
 * Listens on host:port and returns the bound port (port 0 picks a free one). A port already in use
 * is a PORT_IN_USE UserError saying who may hold it (`holder`) and how to choose another (`fix`).
 */
export function listenOn(http: HttpServer, address: { port: number; host: string; holder?: string; fix: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE') return reject(error);
      const holder = address.holder ? ` (${address.holder})` : '';
      reject(new UserError('PORT_IN_USE', `Port ${address.port} on ${address.host} is already in use${holder}.`, address.fix));
    };
    http.once('error', onError);
    http.listen(address.port, address.host, () => {
      http.off('error', onError);
      resolve((http.address() as AddressInfo).port);
    });
  });
}

/** Stops listening and drops the open connections (MCP transports were closed before). */
export function closeServer(http: HttpServer): Promise<void> {
  return new Promise<void>((resolve) => {
    http.close(() => resolve());
    http.closeAllConnections();
  });
}
