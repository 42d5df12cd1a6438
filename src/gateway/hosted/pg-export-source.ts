import type pg from 'pg';
import type { ExportSource, ProjectDump } from '../export/export-memory.ts';
import type { Note, NoteKind } from '../store/notes.ts';
import { quoteIdent } from '../pg/remote-schema.ts';
import { CONTEXT_COLUMNS, toVersion, type ContextRow } from './pg-memory/pg-contexts.ts';
import { HANDOVER_COLUMNS, toHandover, type HandoverRow } from './pg-memory/pg-records.ts';

/**
 * A hosted tenant's schema as an export source (`dementia export --hosted --tenant SCHEMA`): the
 * same files as a desktop's export of the same memory. Everything is read in one REPEATABLE READ
 * transaction, so the export is one consistent snapshot while the server keeps serving.
 */
export async function pgExportSource(client: pg.ClientBase, schema: string): Promise<ExportSource & { close(): Promise<void> }> {
  const s = quoteIdent(schema);
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const rows = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => (await client.query<R>(text, values)).rows;
  return {
    projectNames: async () => (await rows<{ name: string }>(`SELECT name FROM ${s}.projects WHERE deleted_at IS NULL`)).map((r) => r.name),
    async readProject(name: string): Promise<ProjectDump> {
      const description = (await rows<{ description: string }>(`SELECT description FROM ${s}.projects WHERE name = $1`, [name]))[0]?.description ?? '';
      const versions = await rows<ContextRow & { archived_at: Date | null }>(
        `SELECT ${CONTEXT_COLUMNS.split(', ')
          .map((c) => `c.${c}`)
          .join(', ')}, a.archived_at
         FROM ${s}.contexts c LEFT JOIN ${s}.archived_contexts a ON a.context_id = c.id AND a.restored_at IS NULL
         WHERE c.project_name = $1`,
        [name],
      );
      const handovers = await rows<HandoverRow>(`SELECT ${HANDOVER_COLUMNS} FROM ${s}.handovers WHERE project_name = $1 ORDER BY ended_at, id`, [name]);
      const notes = await rows<{ id: string; session_id: string; kind: NoteKind; text: string; created_at: Date }>(
        `SELECT id, session_id, kind, text, created_at FROM ${s}.notes WHERE project_name = $1 ORDER BY created_at, id`,
        [name],
      );
      return {
        description,
        versions: versions.map((row) => ({ ...toVersion(row), archivedAt: row.archived_at === null ? null : row.archived_at.getTime() })),
        handovers: handovers.map(toHandover),
        notes: notes.map((row): Note => ({
          id: row.id,
          project: name,
          sessionId: row.session_id,
          kind: row.kind,
          text: row.text,
          createdAt: row.created_at.getTime(),
        })),
      };
    },
    close: async () => void (await client.query('COMMIT')),
  };
}
