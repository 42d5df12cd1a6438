import type { SearchRepository } from '../../memory/memory.ts';
import type { Priority } from '../../store/context-version.ts';
import { searchTerms, snippetOf, type SearchFilters, type SearchHit, type SearchOutcome } from '../../store/search.ts';
import { ms, type PgTx } from './pg-tx.ts';

interface HitRow {
  label: string;
  version: number;
  priority: Priority;
  tags: string[];
  created_at: Date;
  content: string;
  score: number;
}

/**
 * Postgres full-text search, with the desktop's rules: the same words (searchTerms drops stopwords),
 * all words first and any word when none has them all, the last word as a prefix, labels weighing
 * most, then tags, then text (the index of migration 3). Ranking is Postgres' own (ts_rank), so
 * scores differ in scale from the desktop's bm25; the order of the obvious matches does not.
 */
export class PgSearch implements SearchRepository {
  private readonly tx: PgTx;

  constructor(tx: PgTx) {
    this.tx = tx;
  }

  async search(project: string, query: string, filters: SearchFilters, limit: number): Promise<SearchOutcome> {
    const terms = searchTerms(query);
    if (terms.length === 0) return { hits: [], terms, matched: 'none' };
    const all = await this.run(project, tsQuery(terms, '&'), terms, filters, limit);
    if (all.length > 0 || terms.length === 1) return { hits: all, terms, matched: all.length > 0 ? 'all' : 'none' };
    const any = await this.run(project, tsQuery(terms, '|'), terms, filters, limit);
    return { hits: any, terms, matched: any.length > 0 ? 'any' : 'none' };
  }

  private async run(project: string, query: string, terms: string[], filters: SearchFilters, limit: number): Promise<SearchHit[]> {
    const { text, values } = searchStatement(project, query, filters, limit);
    const rows = await this.tx.rows<HitRow>(text, values);
    return rows.map((row) => ({
      label: row.label,
      version: row.version,
      priority: row.priority,
      tags: row.tags,
      createdAt: ms(row.created_at),
      score: Math.round(row.score * 1000) / 1000,
      snippet: snippetOf(row.content, terms),
    }));
  }
}

/** Terms are letters and digits only (searchTerms), so they are safe tsquery words; the last is a prefix. */
function tsQuery(terms: string[], join: '&' | '|'): string {
  return terms.map((term, index) => (index === terms.length - 1 && term.length >= 3 ? `${term}:*` : term)).join(` ${join} `);
}

/**
 * The search of one project: the latest live version of each label whose search document matches
 * the tsquery, best first (the desktop's index holds the same). With the tenant's search_path.
 */
export function searchStatement(project: string, query: string, filters: SearchFilters, limit: number): { text: string; values: unknown[] } {
  const document = `context_document(c.label, c.tags, c.content)`;
  const values: unknown[] = [project, query, limit];
  const where = [`c.project_name = $1`, `${document} @@ q.query`];
  if (filters.priorities && filters.priorities.length > 0) {
    values.push(filters.priorities);
    where.push(`c.priority = ANY($${values.length}::text[])`);
  }
  if (filters.tags && filters.tags.length > 0) {
    values.push(filters.tags);
    where.push(`c.tags && $${values.length}::text[]`);
  }
  const live = (alias: string) => `NOT EXISTS (SELECT 1 FROM archived_contexts a WHERE a.context_id = ${alias}.id AND a.restored_at IS NULL)`;
  const text = `WITH q AS (SELECT to_tsquery('english', $2) AS query)
       SELECT c.label, c.version, c.priority, c.tags, c.created_at, c.content, ts_rank(${document}, q.query)::float8 AS score
       FROM contexts c, q
       WHERE ${where.join(' AND ')} AND ${live('c')}
         AND NOT EXISTS (SELECT 1 FROM contexts h WHERE h.project_name = c.project_name AND h.label = c.label AND h.version > c.version AND ${live('h')})
       ORDER BY score DESC, c.seq DESC LIMIT $3`;
  return { text, values };
}
