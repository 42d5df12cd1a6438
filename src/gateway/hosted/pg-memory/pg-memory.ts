import type pg from 'pg';
import type { Clock } from '../../clock.ts';
import type {
  ActivityRepository,
  AppliedCallRepository,
  ClientStateRepository,
  ContextRepository,
  HandoverRepository,
  Memory,
  NoteRepository,
  TransactionOptions,
  ProjectRepository,
  ReadAhead,
  SearchRepository,
  WorkSessionRepository,
} from '../../memory/memory.ts';
import { LastSeenThrottle } from '../../store/last-seen.ts';
import { ensureSecretScanner } from '../../secret-scan/screen.ts';
import { screenedContexts, screenedHandovers, screenedNotes, screenedProjects } from '../../memory/screened-repositories.ts';
import type { Notifications } from '../../pg/notifications.ts';
import { CallerRefused } from '../../errors.ts';
import { CallerConfirmation } from '../caller-confirmation.ts';
import { HOSTED_ORIGIN, inTransaction } from '../pg-transaction.ts';
import { appliedCallRead, PgAppliedCalls } from './pg-applied-calls.ts';
import { contextReadsAhead, PgContexts } from './pg-contexts.ts';
import { PgProjects, projectExistsRead } from './pg-projects.ts';
import { activeProjectRead, instancesOnStatement, PgActivity, PgClientState, PgHandovers, PgNotes } from './pg-records.ts';
import { quoteIdent } from '../../pg/remote-schema.ts';
import { PgSearch } from './pg-search.ts';
import { openSessionsRead, PgSessions } from './pg-sessions.ts';
import { type FirstRead, lockKeysOf, PgTx } from './pg-tx.ts';

/** The repositories of one open transaction on a tenant schema. */
class PgTransactionMemory implements Memory {
  readonly clock: Clock;
  readonly projects: ProjectRepository;
  readonly contexts: ContextRepository;
  readonly search: PgSearch;
  readonly clientState: PgClientState;
  readonly sessions: PgSessions;
  readonly handovers: HandoverRepository;
  readonly notes: NoteRepository;
  readonly activity: PgActivity;
  readonly appliedCalls: PgAppliedCalls;

  constructor(tx: PgTx, clock: Clock, lastSeen: LastSeenThrottle) {
    this.clock = clock;
    // Writes that store text pass the secret check first (memory/screened-repositories.ts).
    const projects = new PgProjects(tx, clock);
    // Postgres may wait for the scanner to load anywhere, also inside a transaction.
    this.projects = screenedProjects(projects, ensureSecretScanner);
    this.contexts = screenedContexts(new PgContexts(tx, clock), projects, ensureSecretScanner);
    this.search = new PgSearch(tx);
    this.clientState = new PgClientState(tx, clock, lastSeen);
    this.sessions = new PgSessions(tx, clock);
    this.handovers = screenedHandovers(new PgHandovers(tx), projects, ensureSecretScanner);
    this.notes = screenedNotes(new PgNotes(tx, clock), projects, ensureSecretScanner);
    this.activity = new PgActivity(tx);
    this.appliedCalls = new PgAppliedCalls(tx, clock);
  }

  /** Already in one: joins it. */
  transaction<T>(work: (memory: Memory) => Promise<T>): Promise<T> {
    return work(this);
  }
}

/**
 * What every call of a client instance reads first, sent in its transaction's BEGIN round trip behind
 * the locks: a resent write's earlier answer (PgAppliedCalls.find), the instance's active project and
 * its open work sessions (the project resolver, then the session touch).
 */
function readsOfCall(caller: TransactionOptions['caller']): FirstRead[] {
  if (!caller) return [];
  const instance = [activeProjectRead(caller.clientId, caller.instanceKey), openSessionsRead(caller.clientId, caller.instanceKey)];
  return caller.callKey === undefined ? instance : [appliedCallRead(caller.clientId, caller.callKey), ...instance];
}

/**
 * A call's reads ahead on the project it is guessed to run on: whether the project exists (what
 * resolving an explicit or pinned project asks first), then the reads its tool named.
 */
function readsOnProject(project: string, reads: readonly ReadAhead[]): FirstRead[] {
  return [projectExistsRead(project), ...reads.flatMap((read) => contextReadsAhead(project, read))];
}

type Repositories = Omit<Memory, 'clock' | 'transaction'>;

/**
 * A repository whose every method runs in a transaction of its own: what the memory offers outside
 * a transaction (the sweeper's queries, for instance), but for the methods in `own`, which answer
 * by themselves. Tool calls use `transaction` instead.
 */
function eachCallInTransaction<K extends keyof Repositories>(memory: Memory, name: K, own: Partial<Repositories[K]> = {}): Repositories[K] {
  return new Proxy({} as Repositories[K], {
    get: (_target, method: string) =>
      (own as Record<string, unknown>)[method] ??
      ((...args: unknown[]) => memory.transaction((tx) => (tx[name] as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!(...args))),
  });
}

/**
 * One tenant's memory on the hosted server: its schema in Postgres, the only store (an acknowledged
 * write is committed there). Connections come from the process's one bounded pool, one per open
 * transaction.
 */
export class PgTenantMemory implements Memory {
  readonly clock: Clock;
  readonly schema: string;
  readonly projects: ProjectRepository = eachCallInTransaction(this, 'projects');
  readonly contexts: ContextRepository = eachCallInTransaction(this, 'contexts');
  readonly search: SearchRepository = eachCallInTransaction(this, 'search');
  readonly clientState: ClientStateRepository = eachCallInTransaction(this, 'clientState', { instancesOn: (project) => this.instancesOn(project) });
  readonly sessions: WorkSessionRepository = eachCallInTransaction(this, 'sessions');
  readonly handovers: HandoverRepository = eachCallInTransaction(this, 'handovers');
  readonly notes: NoteRepository = eachCallInTransaction(this, 'notes');
  readonly activity: ActivityRepository = eachCallInTransaction(this, 'activity');
  readonly appliedCalls: AppliedCallRepository = eachCallInTransaction(this, 'appliedCalls');
  private readonly pool: pg.Pool;
  private readonly lastSeen = new LastSeenThrottle();
  /** Where changes are announced after their commits (migration 7); without it the triggers notify in the commit. */
  private readonly announce: ((channel: string) => void) | undefined;

  constructor(pool: pg.Pool, schema: string, clock: Clock, notifications?: Notifications) {
    this.pool = pool;
    this.schema = schema;
    this.clock = clock;
    this.announce = notifications && ((channel) => notifications.send(channel, HOSTED_ORIGIN));
  }

  /**
   * Who has a project selected is asked after every change of the project (resource notifications):
   * one statement on its own, not three in a transaction of its own.
   */
  private async instancesOn(project: string): Promise<{ clientId: string; instanceKey: string }[]> {
    const statement = instancesOnStatement(`${quoteIdent(this.schema)}.client_instances`);
    return (await this.pool.query<{ clientId: string; instanceKey: string }>(statement, [project])).rows;
  }

  /**
   * Publishes what the calls' throttled writes held back (run periodically): the last-seen time of
   * each client and the call count and last activity of each open session, so what desktops and
   * `clients list --hosted` show lags the calls by at most the period. Returns how many sessions
   * were published.
   */
  async publishActivity(): Promise<number> {
    const seen = this.lastSeen.takeHeldBack();
    try {
      return await inTransaction(
        this.pool,
        async (client) => {
          const tx = new PgTx(client, this.schema);
          // Sessions first: their rows are locked before the change lock, in the order calls lock them.
          const published = await new PgSessions(tx, this.clock).publishBehind(this.clock.now());
          await new PgClientState(tx, this.clock, this.lastSeen).writeSeen(seen);
          return published;
        },
        { searchPath: this.schema, waitForDisk: false, announce: this.announce },
      );
    } catch (error) {
      this.lastSeen.giveBack(seen);
      throw error;
    }
  }

  async transaction<T>(work: (memory: Memory) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const locks = lockKeysOf(this.schema, options.caller);
    // The request's token check, while no transaction has answered it: the first read, behind the locks.
    const confirmation = CallerConfirmation.pendingFor(this.schema);
    const ahead = options.readsAhead;
    const reads = [...readsOfCall(options.caller), ...(ahead ? readsOnProject(ahead.project, ahead.reads) : [])];
    const firstReads = [...(confirmation ? [confirmation.statement] : []), ...reads.map((read) => read.statement)];
    let tx: PgTx | undefined;
    try {
      return await inTransaction(
        this.pool,
        (client, attempt, firstRows) => {
          if (confirmation) confirmation.settle(firstRows.shift()!);
          tx = new PgTx(client, this.schema, locks, attempt > 1);
          reads.forEach((read, i) => tx!.readAhead(read, firstRows[i]!));
          return work(new PgTransactionMemory(tx, this.clock, this.lastSeen));
        },
        {
          searchPath: this.schema,
          waitForDisk: options.recordOnly !== true,
          locks,
          beforeCommit: () => tx?.takeDeferred() ?? '',
          announce: this.announce,
          firstReads,
        },
      );
    } catch (error) {
      // Failed before the check was answered (in its BEGIN round trip): a refused caller is told so
      // rather than of the failure.
      if (confirmation?.open) await confirmation.confirm().catch((refused: unknown) => Promise.reject(refused instanceof CallerRefused ? refused : error));
      throw error;
    }
  }
}
