import type pg from 'pg';
import { sha256Hex } from '../../secrets.ts';
import { lockKey } from '../../pg/remote-schema.ts';
import { preparedOn, settlePrepared, statementName, type PreparedStatement } from '../prepared-statements.ts';

/**
 * One open transaction on one tenant schema: what the Postgres repositories run their statements
 * in. The transaction's search_path is the tenant's schema alone (see PgTenantMemory), so
 * statements name tables without a schema: one statement text, prepared once per connection,
 * serves every tenant, and a statement cannot reach another tenant's tables.
 *
 * Hosted calls take these locks, always in this order:
 * 0. a write call's key lock (only calls with a key, first thing in the call): a resent call waits
 *    for the first one and then reads its answer instead of running again;
 * 1. the client instance's lock: one call of a client instance at a time, across processes (its
 *    work session and active project are read, then written);
 * 2. the tenant's change lock (the writer rule of docs/postgres-schema.md; the statement triggers of
 *    synced tables take it too): version numbers and the change order stay consistent.
 * Taking them in one order is what keeps two processes from deadlocking. A call's transaction
 * takes 0 and 1 in its BEGIN round trip (TransactionOptions.caller, lockKeysOf).
 */
export class PgTx {
  readonly schema: string;
  private readonly client: pg.PoolClient;
  private changesLocked = false;
  /** A deferred statement takes the change lock when it is sent. */
  private changesLockDeferred = false;
  /** Deferred writes; `mentions` matches a statement text that names the one table the write touches (see defer). */
  private readonly deferred: { statement: PreparedStatement | string; mentions?: RegExp }[] = [];
  /** Whether this is a second attempt at the call's transaction (a first one met a conflict): writes lock before they read. */
  readonly retrying: boolean;
  /** Rows read ahead (a FirstRead in the BEGIN round trip, or beside another read) and the text that read them, by key: see prefetched. */
  private readonly ahead = new Map<string, { rows: unknown[]; text: string }>();
  /** Keys of the call and instance locks this transaction holds. */
  private readonly held: Set<string>;

  /** `held`: lock keys the transaction took in its BEGIN round trip (see lockKeysOf). */
  constructor(client: pg.PoolClient, schema: string, held: Iterable<string> = [], retrying = false) {
    this.client = client;
    this.schema = schema;
    this.held = new Set(held);
    this.retrying = retrying;
  }

  /** Keeps rows read ahead of their repository's call (see prefetched). */
  readAhead(read: FirstRead, rows: unknown[]): void {
    this.ahead.set(read.key, { rows, text: read.statement.text });
  }

  /**
   * Rows read ahead under `key`, while they are still what the statement would answer now: until
   * this transaction sends or defers a statement of its own (a deferred write to one table only
   * drops what was read from that table). Another transaction cannot change the caller's own rows
   * meanwhile (its instance lock); contexts it may, as it may between any two reads of a call:
   * which is why a lock's insert checks the label's latest version again under the change lock.
   * Undefined: read.
   */
  prefetched<R>(key: string): R[] | undefined {
    return this.ahead.get(key)?.rows as R[] | undefined;
  }

  async rows<R>(text: string, values: unknown[] = []): Promise<R[]> {
    await this.flushDeferredBefore(text);
    this.ahead.clear();
    return (await this.client.query({ name: statementName(text, 'protocol'), text, values })).rows as R[];
  }

  async row<R>(text: string, values: unknown[] = []): Promise<R | undefined> {
    return (await this.rows<R>(text, values))[0];
  }

  async count(text: string, values: unknown[] = []): Promise<number> {
    await this.flushDeferredBefore(text);
    this.ahead.clear();
    return (await this.client.query({ name: statementName(text, 'protocol'), text, values })).rowCount ?? 0;
  }

  /**
   * A write nothing in the transaction reads back before commit (a call's activity entry): sent in
   * the COMMIT round trip (takeDeferred), or ahead of the transaction's next statement, prepared once
   * per connection. With `table`, the one table it writes, read by no view or trigger: it is then
   * sent ahead of the next statement that names that table only, and other reads go first.
   */
  defer(statement: PreparedStatement, table?: string): void {
    if (table === undefined) {
      this.ahead.clear();
      this.deferred.push({ statement });
      return;
    }
    const mentions = new RegExp(`\\b${table}\\b`);
    for (const [key, { text }] of this.ahead) if (mentions.test(text)) this.ahead.delete(key);
    this.deferred.push({ statement, mentions });
  }

  /**
   * A write deferred (see defer) behind the tenant's change lock: the lock is taken in the round trip
   * that sends it, so it is held from there to the commit. The statement should fail with a
   * serialization failure (conflict_unless) when what it was decided on has changed.
   */
  deferUnderChangeLock(statement: string): void {
    this.ahead.clear();
    if (!this.changesLocked && !this.changesLockDeferred)
      this.deferred.push({ statement: `SELECT pg_advisory_xact_lock(${lockKey(this.schema, 'changes')}::bigint)` });
    this.changesLockDeferred = true;
    this.deferred.push({ statement });
  }

  /**
   * The deferred statements as the start of a simple query ('' when none), in order, behind the
   * PREPAREs they need; the caller sends them, then settles the connection's prepared statements.
   */
  takeDeferred(): string {
    const statements = this.deferred.map(({ statement }) => statement);
    this.deferred.length = 0;
    if (this.changesLockDeferred) this.changesLocked = true;
    // A plain string (a lock, a function call with its values inline) goes as it is.
    const prepared = preparedOn(
      this.client,
      statements.filter((statement) => typeof statement !== 'string'),
    );
    let next = 0;
    const inOrder = statements.map((statement) => (typeof statement === 'string' ? statement : prepared.execute[next++]!));
    return prepared.prepare + inOrder.map((statement) => `${statement}; `).join('');
  }

  /** Sends the deferred writes ahead of `text`, unless each names its table and `text` names none of them. */
  private async flushDeferredBefore(text: string): Promise<void> {
    if (this.deferred.length === 0) return;
    const mayWait = this.deferred.every(({ mentions }) => mentions !== undefined && !mentions.test(text));
    if (mayWait) return;
    await this.client.query(this.takeDeferred());
    settlePrepared(this.client);
  }

  /** The tenant's change lock, held to commit; before the first read a write depends on. */
  async lockChanges(): Promise<void> {
    if (this.changesLocked) return;
    this.ahead.clear();
    await this.client.query('SELECT pg_advisory_xact_lock($1::bigint)', [lockKey(this.schema, 'changes')]);
    this.changesLocked = true;
  }

  /**
   * Runs `read` and the read `alongside` in one round trip, behind the deferred writes: the rows of
   * `read`; those of `alongside` are kept for prefetched.
   */
  async rowsAlong<R>(read: FirstRead, alongside: FirstRead): Promise<R[]> {
    const deferred = this.takeDeferred();
    this.ahead.clear();
    const reads = preparedOn(this.client, [read.statement, alongside.statement]);
    const results: unknown = await this.client.query(`${deferred}${reads.prepare}${reads.execute.join('; ')}`);
    settlePrepared(this.client);
    if (!Array.isArray(results)) throw new Error('expected the results of several statements');
    this.readAhead(alongside, (results.at(-1) as pg.QueryResult).rows);
    return (results.at(-2) as pg.QueryResult).rows as R[];
  }

  /** A write call's key lock, held to commit; the first lock of its transaction. */
  async lockCall(clientId: string, key: string): Promise<void> {
    await this.lockOnce(callLockKey(this.schema, clientId, key));
  }

  /** The client instance's lock, held to commit; taken before the change lock or not at all. */
  async lockInstance(clientId: string, instanceKey: string): Promise<void> {
    if (this.changesLocked) return; // too late to take it in order; the change lock already serializes
    await this.lockOnce(instanceLockKey(this.schema, clientId, instanceKey));
  }

  private async lockOnce(key: string): Promise<void> {
    if (this.held.has(key)) return;
    this.ahead.clear();
    await this.client.query('SELECT pg_advisory_xact_lock($1::bigint)', [key]);
    this.held.add(key);
  }
}

/**
 * A read sent ahead of the repository call that needs it, in another statement's round trip, its
 * rows kept under `key` for PgTx.prefetched: one round trip fewer on a call's path.
 */
export interface FirstRead {
  key: string;
  statement: PreparedStatement;
}

/** Advisory lock keys are the first 60 bits of a digest: decimal strings of positive bigints. */
const lockKeyOf = (text: string): string => BigInt(`0x${sha256Hex(text).slice(0, 15)}`).toString();
const callLockKey = (schema: string, clientId: string, key: string): string => lockKeyOf(`${schema}:call:${clientId}\n${key}`);
const instanceLockKey = (schema: string, clientId: string, instanceKey: string): string => lockKeyOf(`${schema}:instance:${clientId}\n${instanceKey}`);

/** The locks a call's transaction can take up front, in the order above: its call key's, then its instance's. */
export function lockKeysOf(schema: string, caller: { clientId: string; instanceKey: string; callKey?: string | undefined } | undefined): string[] {
  if (!caller) return [];
  const keys = caller.callKey === undefined ? [] : [callLockKey(schema, caller.clientId, caller.callKey)];
  return [...keys, instanceLockKey(schema, caller.clientId, caller.instanceKey)];
}

/** Milliseconds since the epoch from a timestamptz column. */
export const ms = (value: Date): number => value.getTime();
export const msOrNull = (value: Date | null): number | null => (value === null ? null : value.getTime());
export const at = (value: number): Date => new Date(value);
