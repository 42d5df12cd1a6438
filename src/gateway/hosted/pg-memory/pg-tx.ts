import type pg from 'pg';
import { sha256Hex } from '../../secrets.ts';
import { lockKey } from '../../sync/remote-schema.ts';

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
 * Taking them in one order is what keeps two processes from deadlocking.
 */
export class PgTx {
  readonly schema: string;
  private readonly client: pg.PoolClient;
  private changesLocked = false;
  private readonly instancesLocked = new Set<string>();

  constructor(client: pg.PoolClient, schema: string) {
    this.client = client;
    this.schema = schema;
  }

  async rows<R>(text: string, values: unknown[] = []): Promise<R[]> {
    return (await this.client.query({ name: statementName(text), text, values })).rows as R[];
  }

  async row<R>(text: string, values: unknown[] = []): Promise<R | undefined> {
    return (await this.rows<R>(text, values))[0];
  }

  async count(text: string, values: unknown[] = []): Promise<number> {
    return (await this.client.query({ name: statementName(text), text, values })).rowCount ?? 0;
  }

  /** The tenant's change lock, held to commit; before the first read a write depends on. */
  async lockChanges(): Promise<void> {
    if (this.changesLocked) return;
    await this.client.query('SELECT pg_advisory_xact_lock($1::bigint)', [lockKey(this.schema, 'changes')]);
    this.changesLocked = true;
  }

  /** A write call's key lock, held to commit; the first lock of its transaction. */
  async lockCall(clientId: string, key: string): Promise<void> {
    const digest = BigInt(`0x${sha256Hex(`${this.schema}:call:${clientId}\n${key}`).slice(0, 15)}`).toString();
    await this.client.query('SELECT pg_advisory_xact_lock($1::bigint)', [digest]);
  }

  /** The client instance's lock, held to commit; taken before the change lock or not at all. */
  async lockInstance(clientId: string, instanceKey: string): Promise<void> {
    const key = `${clientId}\n${instanceKey}`;
    if (this.instancesLocked.has(key)) return;
    if (this.changesLocked) return; // too late to take it in order; the change lock already serializes
    const digest = BigInt(`0x${sha256Hex(`${this.schema}:instance:${key}`).slice(0, 15)}`).toString();
    await this.client.query('SELECT pg_advisory_xact_lock($1::bigint)', [digest]);
    this.instancesLocked.add(key);
  }
}

/** Milliseconds since the epoch from a timestamptz column. */
export const ms = (value: Date): number => value.getTime();
export const msOrNull = (value: Date | null): number | null => (value === null ? null : value.getTime());
export const at = (value: number): Date => new Date(value);

/**
 * Statements are prepared once per connection under a name derived from their text (Postgres
 * re-plans one by itself when the search_path, i.e. the tenant, changes): no parse and plan per
 * call, and a bounded number of prepared statements however many tenants a process serves.
 */
const names = new Map<string, string>();
function statementName(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `d${sha256Hex(text).slice(0, 20)}`;
    names.set(text, name);
  }
  return name;
}
