import type { Clock } from '../../clock.ts';
import type { AppliedCallRepository } from '../../memory/memory.ts';
import type { AppliedCall } from '../../store/applied-calls.ts';
import { at, type FirstRead, type PgTx } from './pg-tx.ts';
import { literal } from '../prepared-statements.ts';

/**
 * Write calls applied per client and call key, in the tenant schema, so that a call resent to any
 * process of the hosted server is answered once. `find` takes the key's lock first (see PgTx):
 * a duplicate running at the same time waits for the first to commit, then finds its answer.
 */
export class PgAppliedCalls implements AppliedCallRepository {
  private readonly tx: PgTx;
  private readonly clock: Clock;

  constructor(tx: PgTx, clock: Clock) {
    this.tx = tx;
    this.clock = clock;
  }

  async find(clientId: string, key: string): Promise<AppliedCall | undefined> {
    const ahead = this.tx.prefetched<AppliedCall>(appliedCallKey(clientId, key));
    if (ahead) return ahead[0];
    await this.tx.lockCall(clientId, key);
    return this.tx.row<AppliedCall>('SELECT fingerprint, result FROM applied_calls WHERE client_id = $1 AND call_key = $2', [clientId, key]);
  }

  /** Sent with the commit (nothing reads it back before): no round trip of its own. */
  async record(clientId: string, key: string, call: AppliedCall): Promise<void> {
    const v = literal;
    this.tx.defer({
      text: `INSERT INTO applied_calls (client_id, call_key, fingerprint, result, at) VALUES ($1::uuid, $2::text, $3::text, $4::text, $5::timestamptz)
       ON CONFLICT (client_id, call_key) DO UPDATE SET fingerprint = excluded.fingerprint, result = excluded.result, at = excluded.at`,
      values: [v(clientId, 'uuid'), v(key, 'text'), v(call.fingerprint, 'text'), v(call.result, 'text'), v(at(this.clock.now()), 'timestamptz')],
    });
  }
}

const appliedCallKey = (clientId: string, key: string): string => `applied-call\n${clientId}\n${key}`;

/** find's read, for a transaction's BEGIN round trip, where it follows the key's lock. */
export const appliedCallRead = (clientId: string, key: string): FirstRead => ({
  key: appliedCallKey(clientId, key),
  statement: {
    text: 'SELECT fingerprint, result FROM applied_calls WHERE client_id = $1::uuid AND call_key = $2::text',
    values: [literal(clientId, 'uuid'), literal(key, 'text')],
  },
});
