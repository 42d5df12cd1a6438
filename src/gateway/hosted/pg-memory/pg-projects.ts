import type { Clock } from '../../clock.ts';
import type { ProjectRepository } from '../../memory/memory.ts';
import { newId } from '../../secrets.ts';
import { DEFAULT_SECRET_POLICY, type SecretPolicy } from '../../secret-scan/screen.ts';
import type { ProjectSummary } from '../../store/projects.ts';
import { HOSTED_ORIGIN } from '../pg-transaction.ts';
import { at, type FirstRead, ms, msOrNull, type PgTx } from './pg-tx.ts';
import { literal } from '../prepared-statements.ts';

interface SummaryRow {
  name: string;
  description: string;
  created_at: Date;
  context_count: number;
  last_change_at: Date | null;
  secret_policy: SecretPolicy;
}

const toSummary = (row: SummaryRow): ProjectSummary => ({
  name: row.name,
  description: row.description,
  createdAt: ms(row.created_at),
  contextCount: row.context_count,
  lastChangeAt: msOrNull(row.last_change_at),
  secretPolicy: row.secret_policy,
});

/** Projects of a tenant schema; a deleted project is a row with `deleted_at` (the writer rules). */
export class PgProjects implements ProjectRepository {
  private readonly tx: PgTx;
  private readonly clock: Clock;

  constructor(tx: PgTx, clock: Clock) {
    this.tx = tx;
    this.clock = clock;
  }

  private summaries(where: string): string {
    return `SELECT p.name, p.description, p.created_at, p.secret_policy,
        (SELECT count(DISTINCT label)::int FROM live_contexts c WHERE c.project_name = p.name) AS context_count,
        (SELECT max(created_at) FROM contexts c WHERE c.project_name = p.name) AS last_change_at
      FROM projects p WHERE p.deleted_at IS NULL ${where} ORDER BY p.name`;
  }

  async exists(name: string): Promise<boolean> {
    return (this.tx.prefetched(existsKey(name)) ?? (await this.tx.rows(EXISTS, [name]))).length > 0;
  }

  async names(): Promise<string[]> {
    return (await this.tx.rows<{ name: string }>(`SELECT name FROM projects WHERE deleted_at IS NULL ORDER BY name`)).map((r) => r.name);
  }

  async list(): Promise<ProjectSummary[]> {
    return (await this.tx.rows<SummaryRow>(this.summaries(''))).map(toSummary);
  }

  async get(name: string): Promise<ProjectSummary | undefined> {
    const row = await this.tx.row<SummaryRow>(this.summaries('AND p.name = $1'), [name]);
    return row ? toSummary(row) : undefined;
  }

  /** Creates the project, or brings back a deleted one (the writer rule); false when it already existed. */
  async create(name: string, description = '', secretPolicy: SecretPolicy = DEFAULT_SECRET_POLICY): Promise<boolean> {
    await this.tx.lockChanges();
    const now = at(this.clock.now());
    const changed = await this.tx.count(
      `INSERT INTO projects (name, id, description, created_at, updated_at, origin, secret_policy) VALUES ($1, $2, $3, $4, $4, $5, $6)
       ON CONFLICT (name) DO UPDATE SET deleted_at = NULL, description = excluded.description, updated_at = excluded.updated_at, origin = excluded.origin,
         secret_policy = excluded.secret_policy
         WHERE projects.deleted_at IS NOT NULL`,
      [name, newId(), description, now, HOSTED_ORIGIN, secretPolicy],
    );
    return changed === 1;
  }

  async secretPolicy(name: string): Promise<SecretPolicy> {
    return (
      (await this.tx.row<{ secret_policy: SecretPolicy }>(`SELECT secret_policy FROM projects WHERE name = $1`, [name]))?.secret_policy ?? DEFAULT_SECRET_POLICY
    );
  }

  async setSecretPolicy(name: string, policy: SecretPolicy): Promise<void> {
    await this.tx.lockChanges();
    await this.tx.count(`UPDATE projects SET secret_policy = $2, updated_at = $3, origin = $4 WHERE name = $1`, [
      name,
      policy,
      at(this.clock.now()),
      HOSTED_ORIGIN,
    ]);
  }

  /** Marks the project deleted and deletes its rows, as a user-confirmed delete_project must. */
  async delete(name: string): Promise<Record<string, number>> {
    await this.tx.lockChanges();
    const counts = await this.tx.row<{ live: number; archived: number }>(
      `SELECT count(*) FILTER (WHERE a.context_id IS NULL)::int AS live, count(a.context_id)::int AS archived
       FROM contexts c LEFT JOIN archived_contexts a ON a.context_id = c.id AND a.restored_at IS NULL
       WHERE c.project_name = $1`,
      [name],
    );
    await this.tx.count(`DELETE FROM session_state WHERE session_id IN (SELECT id FROM work_sessions WHERE project_name = $1)`, [name]);
    await this.tx.count(`DELETE FROM activity WHERE project_name = $1`, [name]);
    await this.tx.count(`UPDATE client_instances SET active_project = NULL WHERE active_project = $1`, [name]);
    const removed: Record<string, number> = {
      contexts: counts?.live ?? 0,
      archived_contexts: counts?.archived ?? 0,
    };
    await this.tx.count(`DELETE FROM archived_contexts WHERE project_name = $1`, [name]);
    await this.tx.count(`DELETE FROM contexts WHERE project_name = $1`, [name]);
    for (const table of ['notes', 'handovers', 'work_sessions'] as const) {
      removed[table] = await this.tx.count(`DELETE FROM ${table} WHERE project_name = $1`, [name]);
    }
    const now = at(this.clock.now());
    await this.tx.count(`UPDATE projects SET deleted_at = $2, updated_at = $2, origin = $3 WHERE name = $1`, [name, now, HOSTED_ORIGIN]);
    return removed;
  }
}

const EXISTS = 'SELECT 1 FROM projects WHERE name = $1::text AND deleted_at IS NULL';
const existsKey = (name: string): string => `project-exists\n${name}`;

/** Whether a project exists, read ahead: what resolving a call's explicit or pinned project asks first. */
export const projectExistsRead = (name: string): FirstRead => ({ key: existsKey(name), statement: { text: EXISTS, values: [literal(name, 'text')] } });
