import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../logger.ts';
import type { ResourceChange } from '../resources/resource-changes.ts';
import { pgClientConfig, type ConnectionLimits } from '../pg/pg-connection.ts';
import type { PgTarget } from '../pg/pg-target.ts';
import { describeFailure } from '../pg/pg-failure.ts';
import { TENANT_SCHEMA_PATTERN } from './tenant-directory.ts';

/** The channel on which hosted processes tell each other of resource changes (every tenant's). */
export const PROCESS_CHANGES_CHANNEL = 'dementia_hosted_resources';
/** NOTIFY payloads must stay under 8,000 bytes: a larger change goes without its URIs (list_changed only). */
const MAX_PAYLOAD = 7_500;
const RECONNECT_DELAYS_MS = [200, 1_000, 5_000];

interface Envelope {
  from: string;
  change: ResourceChange;
}

export interface ProcessChangesDeps {
  /** The process's pool: a notification is one statement on it, after the change's commit. */
  pool: pg.Pool;
  target: PgTarget;
  /** The listening connection's settings (it counts in the process's connection budget). */
  limits: ConnectionLimits;
  /** Tells this process's connections of a change another process made. */
  apply: (change: ResourceChange) => Promise<void>;
  logger: Logger;
}

/**
 * Resource changes between the hosted processes on one Postgres. Behind a load balancer a client's
 * event stream may be open on one process while the calls that change its resources (its own or
 * another client's) land on another, and the idle sweep of any process writes handovers. Each
 * process publishes what its calls and sweeps changed (pg_notify, delivered to the others) and
 * applies theirs to its own connections through one LISTEN connection; a lost listener reconnects
 * by itself (notifications sent meanwhile are missed: they are hints to re-list, not data).
 */
export class ProcessChanges {
  private readonly id = randomUUID();
  private readonly deps: ProcessChangesDeps;
  private listener: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;

  constructor(deps: ProcessChangesDeps) {
    this.deps = deps;
  }

  /** Whether the listening connection is up (for tests and diagnostics). */
  get listening(): boolean {
    return this.listener !== undefined;
  }

  start(): Promise<void> {
    return this.listen();
  }

  /** Tells the other processes of a change made here; never delays or fails the call that made it. */
  publish(change: ResourceChange): void {
    this.deps.pool.query('SELECT pg_notify($1, $2)', [PROCESS_CHANGES_CHANNEL, encode({ from: this.id, change })]).catch((error: unknown) => {
      this.deps.logger.warn('other processes were not told of a resource change', { error: describeFailure(error, this.deps.target.secrets) });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = new pg.Client(pgClientConfig(this.deps.target, this.deps.limits));
    const lost = () => {
      if (this.listener !== client) return;
      this.listener = undefined;
      client.end().catch(() => undefined);
      this.listenLater();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => this.received(message.payload));
    try {
      await client.connect();
      await client.query(`LISTEN ${PROCESS_CHANGES_CHANNEL}`);
      if (this.stopped) throw new Error('stopped');
      this.listener = client;
      this.failures = 0;
    } catch (error) {
      client.end().catch(() => undefined);
      if (this.stopped) return;
      this.deps.logger.warn('not listening for other processes\' resource changes yet', { error: describeFailure(error, this.deps.target.secrets) });
      this.listenLater();
    }
  }

  private listenLater(): void {
    if (this.stopped) return;
    const delay = RECONNECT_DELAYS_MS[Math.min(this.failures++, RECONNECT_DELAYS_MS.length - 1)];
    this.retry = setTimeout(() => void this.listen(), delay);
    this.retry.unref();
  }

  private received(payload: string | undefined): void {
    const envelope = decode(payload);
    if (!envelope || envelope.from === this.id) return;
    this.deps.apply(envelope.change).catch((error: unknown) => {
      this.deps.logger.warn('a resource change of another process could not be told', { error: error instanceof Error ? error.message : String(error) });
    });
  }
}

function encode(envelope: Envelope): string {
  const text = JSON.stringify(envelope);
  if (Buffer.byteLength(text) <= MAX_PAYLOAD || !envelope.change.project) return text;
  // Too many URIs for one notification: the project's list changed is what every watcher needs.
  return JSON.stringify({ ...envelope, change: { ...envelope.change, project: { name: envelope.change.project.name, uris: [] } } });
}

/** A notification on the channel, checked: anyone who may connect to the database can send one. */
function decode(payload: string | undefined): Envelope | undefined {
  try {
    const value = JSON.parse(payload ?? '') as Partial<Envelope>;
    const change = value.change;
    if (typeof value.from !== 'string' || !change || typeof change.tenant !== 'string' || !TENANT_SCHEMA_PATTERN.test(change.tenant)) return undefined;
    const selection = change.selection;
    if (selection !== undefined && (typeof selection.clientId !== 'string' || typeof selection.instanceKey !== 'string')) return undefined;
    const project = change.project;
    if (project !== undefined && (typeof project.name !== 'string' || !Array.isArray(project.uris) || !project.uris.every((uri) => typeof uri === 'string'))) return undefined;
    return { from: value.from, change: { tenant: change.tenant, selection, project } };
  } catch {
    return undefined;
  }
}
