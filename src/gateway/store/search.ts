import type { Db } from './database.ts';
import type { Priority } from './contexts.ts';

export interface SearchFilters {
  priorities?: readonly Priority[] | undefined;
  /** Matches contexts carrying any of these tags. */
  tags?: readonly string[] | undefined;
}

export interface SearchHit {
  label: string;
  version: number;
  priority: Priority;
  tags: string[];
  createdAt: number;
  score: number;
  snippet: string;
}

export interface SearchOutcome {
  hits: SearchHit[];
  /** The words actually searched for after dropping stopwords. */
  terms: string[];
  /** "all" when every term had to match, "any" when that found nothing and any term was enough. */
  matched: 'all' | 'any' | 'none';
}

// Words that carry no meaning in a search; dropped unless the query has nothing else.
const STOPWORDS = new Set(
  (
    'a an and are as at be but by for from has have how i if in into is it its of on or our that the their them ' +
    'then there these they this to was we were what when where which who why will with you your do does did not ' +
    'no so can about all any also been being should would could my me'
  ).split(' '),
);

const MAX_TERMS = 16;

/** Splits a free-text query into searchable words: case-folded, accents kept for the tokenizer. */
export function searchTerms(query: string): string[] {
  const words = query.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const unique = [...new Set(words)];
  const meaningful = unique.filter((word) => !STOPWORDS.has(word));
  return (meaningful.length > 0 ? meaningful : unique).slice(0, MAX_TERMS);
}

function ftsQuery(terms: string[], join: 'AND' | 'OR'): string {
  // Every term is quoted so FTS5 operators in user text are plain words; the last may be a prefix.
  return terms
    .map((term, index) => (index === terms.length - 1 && term.length >= 3 ? `"${term}"*` : `"${term}"`))
    .join(` ${join} `);
}

/** Ranked full-text search over the latest live version of each label of one project. */
export class ContextSearch {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  search(project: string, query: string, filters: SearchFilters, limit: number): SearchOutcome {
    const terms = searchTerms(query);
    if (terms.length === 0) return { hits: [], terms, matched: 'none' };
    const all = this.run(project, ftsQuery(terms, 'AND'), terms, filters, limit);
    if (all.length > 0 || terms.length === 1) return { hits: all, terms, matched: all.length > 0 ? 'all' : 'none' };
    const any = this.run(project, ftsQuery(terms, 'OR'), terms, filters, limit);
    return { hits: any, terms, matched: any.length > 0 ? 'any' : 'none' };
  }

  private run(project: string, match: string, terms: string[], filters: SearchFilters, limit: number): SearchHit[] {
    const where = ['contexts_fts MATCH @match', 'c.project_name = @project'];
    const params: Record<string, unknown> = { match, project, limit };
    if (filters.priorities && filters.priorities.length > 0) {
      where.push(`c.priority IN (${filters.priorities.map((_, i) => `@p${i}`).join(', ')})`);
      filters.priorities.forEach((priority, i) => (params[`p${i}`] = priority));
    }
    if (filters.tags && filters.tags.length > 0) {
      where.push(
        `EXISTS (SELECT 1 FROM json_each(c.tags) WHERE json_each.value IN (${filters.tags.map((_, i) => `@t${i}`).join(', ')}))`,
      );
      filters.tags.forEach((tag, i) => (params[`t${i}`] = tag));
    }
    // Label matches weigh most, then tags, then body text.
    const rows = this.db
      .prepare(
        `SELECT c.label, c.version, c.priority, c.tags, c.created_at AS createdAt, c.content,
                bm25(contexts_fts, 4.0, 1.0, 2.0) AS score
         FROM contexts_fts JOIN contexts c ON c.seq = contexts_fts.rowid
         WHERE ${where.join(' AND ')}
         ORDER BY score LIMIT @limit`,
      )
      .all(params) as (Omit<SearchHit, 'tags' | 'snippet'> & { tags: string; content: string })[];
    return rows.map((row) => ({
      label: row.label,
      version: row.version,
      priority: row.priority,
      tags: JSON.parse(row.tags) as string[],
      createdAt: row.createdAt,
      score: Math.round(-row.score * 1000) / 1000,
      snippet: snippetOf(row.content, terms),
    }));
  }
}

/** A short window of text around the first query word, for the model to judge relevance. */
export function snippetOf(content: string, terms: string[], width = 160): string {
  const lower = content.toLowerCase();
  let at = -1;
  for (const term of terms) {
    const index = lower.indexOf(term);
    if (index >= 0 && (at < 0 || index < at)) at = index;
  }
  const start = Math.max(0, at < 0 ? 0 : at - width / 4);
  const text = content.slice(start, start + width).replace(/\s+/g, ' ').trim();
  return `${start > 0 ? '…' : ''}${text}${start + width < content.length ? '…' : ''}`;
}
