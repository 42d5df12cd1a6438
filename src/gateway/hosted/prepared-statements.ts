import pg from 'pg';
import { sha256Hex } from '../secrets.ts';

/**
 * A statement sent by the simple protocol beside others in one round trip (a call's BEGIN reads,
 * its writes sent with the commit): its text with $1..$n and its values as literal() output. The
 * simple protocol takes no parameters, so such a statement would be planned anew on every call;
 * instead it is PREPAREd once per connection, in the round trip of its first use, and then run as
 * EXECUTE with its values: planned once per connection and tenant (a prepared statement is planned
 * again when the search_path changes), like the named statements of PgTx.rows. The three reads of a
 * BEGIN round trip took 0.54 ms inline against 0.14 ms as EXECUTEs. The text is a constant of the
 * code, never built from values: each text is one prepared statement on every connection.
 */
export interface PreparedStatement {
  text: string;
  values: string[];
}

/** What is known of a connection's prepared statements: those it surely has, and those whose PREPARE is in flight. */
interface Prepared {
  sure: Set<string>;
  sent: Set<string>;
}

const prepared = new WeakMap<pg.ClientBase, Prepared>();

const stateOf = (client: pg.ClientBase): Prepared => {
  let state = prepared.get(client);
  if (!state) {
    state = { sure: new Set(), sent: new Set() };
    prepared.set(client, state);
  }
  return state;
};

/**
 * The name a statement text is prepared under on every connection: `protocol` for PgTx's named
 * statements (Parse messages), `sql` for the PREPAREs here. Both live in one namespace per
 * connection, so the two kinds are named apart. Texts are the code's constants: the map stays small.
 */
const names = new Map<string, string>();
export function statementName(text: string, kind: 'protocol' | 'sql'): string {
  const key = `${kind}\n${text}`;
  let name = names.get(key);
  if (!name) {
    name = `${kind === 'protocol' ? 'd' : 'p'}${sha256Hex(text).slice(0, 20)}`;
    names.set(key, name);
  }
  return name;
}

/**
 * The statements as parts of a simple query on `client`: `prepare`, the PREPAREs of those the
 * connection has not prepared yet (to go first: '' when none), and an EXECUTE per statement, in order.
 */
export function preparedOn(client: pg.ClientBase, statements: readonly PreparedStatement[]): { prepare: string; execute: string[] } {
  const state = stateOf(client);
  let prepare = '';
  const execute = statements.map((statement) => {
    const name = statementName(statement.text, 'sql');
    if (!state.sure.has(name) && !state.sent.has(name)) {
      state.sent.add(name);
      prepare += `PREPARE ${name} AS ${statement.text}; `;
    }
    return `EXECUTE ${name}${statement.values.length === 0 ? '' : `(${statement.values.join(', ')})`}`;
  });
  return { prepare, execute };
}

/** The query that carried them succeeded: the PREPAREs sent on `client` took effect. */
export function settlePrepared(client: pg.ClientBase): void {
  const state = prepared.get(client);
  if (!state) return;
  for (const name of state.sent) state.sure.add(name);
  state.sent.clear();
}

/**
 * Whether a query that failed on `client` carried PREPAREs: whether each took effect is then unknown
 * (a statement before it may have failed; PREPARE outlives a rollback), and a second PREPARE of a
 * name would fail. Such a connection is let go rather than guessed about.
 */
export function preparedUnknown(client: pg.ClientBase): boolean {
  return (prepared.get(client)?.sent.size ?? 0) > 0;
}

/** A value as an SQL literal of the given type: the values of statements sent by the simple protocol (deferred ones, rowsAlong's). */
export function literal(
  value: string | number | boolean | Date | readonly string[] | null,
  type: 'text' | 'uuid' | 'timestamptz' | 'text[]' | 'integer' | 'boolean' | 'jsonb',
): string {
  if (value === null) return `NULL::${type}`;
  if (typeof value === 'boolean') return `${value}::${type}`;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
    return `${value}::${type}`;
  }
  if (value instanceof Date) return `${pg.escapeLiteral(value.toISOString())}::${type}`;
  if (typeof value === 'string') return `${pg.escapeLiteral(value)}::${type}`;
  return `ARRAY[${value.map((item) => pg.escapeLiteral(item)).join(', ')}]::${type}`;
}
