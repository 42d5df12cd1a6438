import { AsyncLocalStorage } from 'node:async_hooks';
import { CallerRefused } from '../errors.ts';
import type { PreparedStatement } from './prepared-statements.ts';

type Verdict = 'open' | 'served' | 'refused';

const scope = new AsyncLocalStorage<CallerConfirmation>();

/**
 * The check of a remembered token on one MCP request (BearerAuth), taken along by the request's
 * first transaction instead of in a round trip of its own: its statement rides in the BEGIN round
 * trip of every transaction the request opens until one has answered it (PgTenantMemory), and a
 * refusal fails that transaction with CallerRefused, so nothing is written or recorded for a
 * revoked token and the request is answered 401. A request that answered before any transaction
 * did (a direct tools/call that needed no store, or anything else) runs the check on its own first.
 */
export class CallerConfirmation {
  /** The tenant whose transactions take the check along (their search_path names its `clients`). */
  readonly tenant: string;
  readonly statement: PreparedStatement;
  private verdict: Verdict = 'open';
  /** The request is over: transactions still running in its async context (timers it started) are not its own. */
  private over = false;
  private readonly standalone: () => Promise<boolean>;
  private readonly onVerdict: (served: boolean) => void;

  constructor(deps: {
    tenant: string;
    statement: PreparedStatement;
    /** The check in a round trip of its own: whether the caller is still served. */
    standalone: () => Promise<boolean>;
    /** Told once, when a transaction answered the check. */
    onVerdict: (served: boolean) => void;
  }) {
    this.tenant = deps.tenant;
    this.statement = deps.statement;
    this.standalone = deps.standalone;
    this.onVerdict = deps.onVerdict;
  }

  /** Runs the request's work with this check pending for the transactions it opens. */
  async during<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await scope.run(this, work);
    } finally {
      this.over = true;
    }
  }

  /** Settles the check if no transaction did; throws CallerRefused when the caller is not served. */
  async confirm(): Promise<void> {
    if (this.verdict === 'open') this.verdict = (await this.standalone()) ? 'served' : 'refused';
    if (this.verdict === 'refused') throw new CallerRefused();
  }

  /** The check's rows from a BEGIN round trip; throws CallerRefused when the caller is not served. */
  settle(rows: unknown[]): void {
    const served = (rows[0] as { served?: unknown } | undefined)?.served === true;
    if (this.verdict === 'open') {
      this.verdict = served ? 'served' : 'refused';
      this.onVerdict(served);
    }
    if (this.verdict === 'refused') throw new CallerRefused();
  }

  /** Whether no transaction answered the check yet (then confirm runs it). */
  get open(): boolean {
    return this.verdict === 'open';
  }

  /**
   * The check a transaction on `tenant` starting now must take along in its BEGIN round trip, if
   * any: the request's while it is open. Throws CallerRefused once the request's caller was refused.
   */
  static pendingFor(tenant: string): CallerConfirmation | undefined {
    const confirmation = scope.getStore();
    // Another tenant's transaction is not the request's own (a timer the request happened to start).
    if (!confirmation || confirmation.over || confirmation.tenant !== tenant || confirmation.verdict === 'served') return undefined;
    if (confirmation.verdict === 'refused') throw new CallerRefused();
    return confirmation;
  }
}
