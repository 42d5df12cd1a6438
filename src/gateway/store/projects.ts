import type { Clock } from '../clock.ts';
import { UserError } from '../errors.ts';
import { newId } from '../secrets.ts';
import { DEFAULT_SECRET_POLICY, type SecretPolicy } from '../secret-scan/screen.ts';
import type { Outbox } from './outbox.ts';
import type { Db } from './database.ts';

export interface ProjectSummary {
  name: string;
  description: string;
  createdAt: number;
  contextCount: number;
  lastChangeAt: number | null;
  /** What a write that carries a credential does: refused (default) or stored masked. */
  secretPolicy: SecretPolicy;
}

const MAX_PROJECT_NAME = 64;

/**
 * Project names are compared in one normal form, so "LinkedIn" and "linkedin " are one project
 * (on every machine: sync merges projects by this name).
 */
export function normalizeProjectName(input: string): string {
  const name = input.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, '-');
  if (name === '') {
    throw new UserError('INVALID_PROJECT_NAME', 'The project name is empty.', 'Pass a name such as "linkedin".');
  }
  if (name.length > MAX_PROJECT_NAME) {
    throw new UserError('INVALID_PROJECT_NAME', `The project name is ${name.length} characters long; the limit is ${MAX_PROJECT_NAME}.`, 'Use a shorter name.');
  }
  if (!/^[\p{L}\p{N}][\p{L}\p{N}._-]*$/u.test(name)) {
    throw new UserError(
      'INVALID_PROJECT_NAME',
      `The project name "${input}" has characters other than letters, digits, ".", "_" and "-".`,
      'Use a name such as "linkedin" or "client-portal".',
    );
  }
  return name;
}

export class ProjectStore {
  private readonly db: Db;
  private readonly clock: Clock;
  private readonly outbox: Outbox | undefined;
  private readonly existsStmt;
  private readonly listStmt;
  private readonly getStmt;
  private readonly policyStmt;
  private readonly setPolicyStmt;

  constructor(db: Db, clock: Clock, outbox?: Outbox) {
    this.db = db;
    this.clock = clock;
    this.outbox = outbox;
    this.existsStmt = db.prepare('SELECT 1 FROM projects WHERE name = ?').pluck();
    const summaries = `
      SELECT p.name, p.description, p.created_at AS createdAt, p.secret_policy AS secretPolicy,
        (SELECT count(*) FROM contexts c WHERE c.project_name = p.name AND c.is_latest = 1) AS contextCount,
        (SELECT max(created_at) FROM contexts c WHERE c.project_name = p.name) AS lastChangeAt
      FROM projects p`;
    this.listStmt = db.prepare(`${summaries} ORDER BY p.name`);
    this.getStmt = db.prepare(`${summaries} WHERE p.name = ?`);
    this.policyStmt = db.prepare('SELECT secret_policy FROM projects WHERE name = ?').pluck();
    this.setPolicyStmt = db.prepare('UPDATE projects SET secret_policy = ?, updated_at = ? WHERE name = ?');
  }

  exists(name: string): boolean {
    return this.existsStmt.get(name) !== undefined;
  }

  names(): string[] {
    return this.db.prepare('SELECT name FROM projects ORDER BY name').pluck().all() as string[];
  }

  list(): ProjectSummary[] {
    return this.listStmt.all() as ProjectSummary[];
  }

  get(name: string): ProjectSummary | undefined {
    return this.getStmt.get(name) as ProjectSummary | undefined;
  }

  /** Creates the project; returns false when it already existed. */
  create(name: string, description = '', secretPolicy: SecretPolicy = DEFAULT_SECRET_POLICY): boolean {
    const now = this.clock.now();
    return this.db.transaction(() => {
      const result = this.db
        .prepare('INSERT INTO projects (id, name, description, created_at, updated_at, secret_policy) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING')
        .run(newId(), name, description, now, now, secretPolicy);
      if (result.changes === 1) this.outbox?.record('project', 'upsert', name);
      return result.changes === 1;
    })();
  }

  secretPolicy(name: string): SecretPolicy {
    return (this.policyStmt.get(name) as SecretPolicy | undefined) ?? DEFAULT_SECRET_POLICY;
  }

  setSecretPolicy(name: string, policy: SecretPolicy): void {
    this.db.transaction(() => {
      if (this.setPolicyStmt.run(policy, this.clock.now(), name).changes === 1) this.outbox?.record('project', 'upsert', name);
    })();
  }

  /** Deletes the project and every row that belongs to it, in one transaction. */
  delete(name: string): Record<string, number> {
    const tables = ['contexts', 'archived_contexts', 'notes', 'handovers', 'work_sessions'] as const;
    return this.db.transaction(() => {
      const removed: Record<string, number> = {};
      this.db
        .prepare(
          `INSERT INTO contexts_fts (contexts_fts, rowid, label, content, tags)
           SELECT 'delete', seq, label, content, tags FROM contexts WHERE project_name = ? AND is_latest = 1`,
        )
        .run(name);
      this.db.prepare('DELETE FROM context_bands WHERE project_name = ?').run(name);
      this.db.prepare('DELETE FROM context_reads WHERE project_name = ?').run(name);
      for (const table of tables) {
        removed[table] = this.db.prepare(`DELETE FROM ${table} WHERE project_name = ?`).run(name).changes;
      }
      this.db.prepare('UPDATE client_instances SET active_project = NULL WHERE active_project = ?').run(name);
      this.db.prepare('UPDATE clients SET pinned_project = NULL WHERE pinned_project = ?').run(name);
      this.db.prepare('DELETE FROM projects WHERE name = ?').run(name);
      this.outbox?.record('project', 'delete', name);
      return removed;
    })();
  }
}
