import { randomUUID } from 'node:crypto';
import type { Timers } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { ResourceChange } from '../resources/resource-changes.ts';
import type { ConnectionLimits } from '../pg/pg-connection.ts';
import { Backoff } from '../pg/backoff.ts';
import { PgListener } from '../pg/pg-listener.ts';
import type { Notifications } from '../pg/notifications.ts';
import type { PgTarget } from '../pg/pg-target.ts';
import { TENANT_SCHEMA_PATTERN } from './tenant-directory.ts';

/** The channel on which hosted processes tell each other of resource changes (every tenant's). */
export const PROCESS_CHANGES_CHANNEL = 'dementia_hosted_resources';
/** NOTIFY payloads must stay under 8,000 bytes: a larger change goes without its URIs (list_changed only). */
const MAX_PAYLOAD = 7_500;
/** How often the listening connection must answer; a silently dead one is replaced within two periods. */
const PROBE_EVERY_MS = 30_000;

interface Envelope {
  from: string;
  change: ResourceChange;
}

export interface ProcessChangesDeps {
  /** The process's notifications: one is sent after the change's commit. */
  notifications: Notifications;
  target: PgTarget;
  /** The listening connection's settings (it counts in the process's connection budget). */
  limits: ConnectionLimits;
  /** Tells this process's connections of a change another process made. */
  apply: (change: ResourceChange) => Promise<void>;
  logger: Logger;
  /** The listener's reconnect and probe timers (tests move them by hand). */
  timers?: Timers;
  probeEveryMs?: number;
}

/**
 * Resource changes between the hosted processes on one Postgres. Behind a load balancer a client's
 * event stream may be open on one process while the calls that change its resources (its own or
 * another client's) land on another, and the idle sweep of any process writes handovers. Each
 * process publishes what its calls and sweeps changed (pg_notify, delivered to the others) and
 * applies theirs to its own connections through one LISTEN connection (PgListener), which
 * reconnects by itself, also when it went silent (notifications sent meanwhile are missed: they are
 * hints to re-list, not data).
 */
export class ProcessChanges {
  private readonly id = randomUUID();
  private readonly deps: ProcessChangesDeps;
  private readonly listener: PgListener;

  constructor(deps: ProcessChangesDeps) {
    this.deps = deps;
    this.listener = new PgListener({
      target: deps.target,
      limits: deps.limits,
      channel: PROCESS_CHANGES_CHANNEL,
      name: 'resource changes of other processes',
      onNotification: (payload) => this.received(payload),
      probeEveryMs: deps.probeEveryMs ?? PROBE_EVERY_MS,
      logger: deps.logger,
      // Retry soon: while deaf, this process's clients miss what other processes change.
      backoff: new Backoff(200, 5_000),
      ...(deps.timers ? { timers: deps.timers } : {}),
    });
  }

  /** Whether the listening connection is up (for tests and diagnostics). */
  get listening(): boolean {
    return this.listener.listening;
  }

  start(): Promise<void> {
    return this.listener.start();
  }

  /** Tells the other processes of a change made here; never delays or fails the call that made it. */
  publish(change: ResourceChange): void {
    this.deps.notifications.send(PROCESS_CHANGES_CHANNEL, encode({ from: this.id, change }));
  }

  stop(): Promise<void> {
    return this.listener.stop();
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
    if (project !== undefined && (typeof project.name !== 'string' || !Array.isArray(project.uris) || !project.uris.every((uri) => typeof uri === 'string')))
      return undefined;
    return { from: value.from, change: { tenant: change.tenant, selection, project } };
  } catch {
    return undefined;
  }
}
