import type Database from 'better-sqlite3';
import type { Db } from './database.ts';
import type { Priority } from './context-version.ts';

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

// Words that carry no meaning in a search; always dropped (a query of only these finds nothing:
// "the" would otherwise match nearly every context).
const STOPWORDS = new Set(
  (
    'a an and are as at be but by for from has have how i if in into is it its of on or our that the their them ' +
    'then there these they this to was we were what when where which who why will with you your do does did not ' +
    'no so can about all any also been being should would could my me'
  ).split(' '),
);

const MAX_TERMS = 16;

const wordsOf = (query: string): string[] => [
  ...new Set(
    query
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? [],
  ),
];

/** Splits a free-text query into searchable words: case-folded, accents kept for the tokenizer, stopwords dropped. */
export function searchTerms(query: string): string[] {
  return wordsOf(query)
    .filter((word) => !STOPWORDS.has(word))
    .slice(0, MAX_TERMS);
}

/** The words of a query that search ignores (stopwords), to tell the user why a query found nothing. */
export function ignoredWords(query: string): string[] {
  return wordsOf(query).filter((word) => STOPWORDS.has(word));
}

/**
 * Matches of very common words are many (a word in half of 100k contexts): ranking all of them
 * costs tens of milliseconds. Ranking covers the newest CANDIDATES matches first, which is exact
 * whenever a query matches fewer; filters that leave too few hits widen it step by step.
 */
const CANDIDATES = 1_000;
const WIDER_CANDIDATES = CANDIDATES * 16;

/**
 * Prefix matching of the last word makes FTS5 merge the doclists of every word it starts, all of
 * them. A word already in this many contexts gains little from it, so it is matched exactly.
 */
const PREFIX_MAX_EXACT_MATCHES = 1_000;

type Statement = Database.Statement<unknown[]>;

// Label matches weigh most, then tags, then body text; equal scores go newest first.
const SCORE = 'bm25(contexts_fts, 4.0, 1.0, 2.0)';

const quote = (text: string): string => `"${text.replace(/"/g, '""')}"`;

function ftsQuery(terms: string[], join: 'AND' | 'OR', prefixLast: boolean): string {
  // Every term is quoted so FTS5 operators in user text are plain words; the last may be a prefix.
  return terms.map((term, index) => (prefixLast && index === terms.length - 1 ? `${quote(term)}*` : quote(term))).join(` ${join} `);
}

/**
 * Any of the tags' words in the tags column. Added to the match when a tag is too rare among the
 * newest candidates, it lets the index find the few contexts carrying it (the exact comparison
 * stays with the rows); not from the start, since it adds a phrase to the ranking and its cost.
 * Undefined when a tag has no letters or digits, so no tokens to match.
 */
function tagWords(tags: readonly string[] | undefined): string | undefined {
  if (!tags || tags.length === 0 || !tags.every((tag) => /[\p{L}\p{N}]/u.test(tag))) return undefined;
  return `{tags} : (${tags.map(quote).join(' OR ')})`;
}

interface RankedRow {
  seq: number;
  score: number;
}

interface ContextRow {
  project: string;
  label: string;
  version: number;
  priority: Priority;
  tags: string;
  createdAt: number;
  content: string;
}

/**
 * Every transaction that writes contexts adds a small segment to the full-text index, and FTS5
 * merges segments as it goes. Merging 4 at a time (the default) rewrites the index so often that,
 * at 100k contexts, merges cost most of a lock_context and stall one call in a few dozen for 10 ms
 * and more; 8 at a time roughly halves that work for a few more segments per search.
 */
const AUTOMERGE = 8;

function tuneIndexMerging(db: Db): void {
  try {
    const current = db.prepare("SELECT v FROM contexts_fts_config WHERE k = 'automerge'").pluck().get();
    if (current !== AUTOMERGE) db.prepare("INSERT INTO contexts_fts (contexts_fts, rank) VALUES ('automerge', ?)").run(BigInt(AUTOMERGE));
  } catch {
    // A tuning knob only: a read-only or busy database keeps FTS5's default.
  }
}

/** Ranked full-text search over the latest live version of each label of one project. */
export class ContextSearch {
  private readonly db: Db;
  private readonly filtered = new Map<string, Statement>();
  private readonly best: Statement;
  private readonly row: Statement;
  private readonly matchCount: Statement;

  constructor(db: Db) {
    this.db = db;
    tuneIndexMerging(db);
    // Scores from the index alone: a row lookup costs about a microsecond, so they come after.
    this.best = db
      .prepare(
        `SELECT rowid AS seq, score FROM (
         SELECT rowid, ${SCORE} AS score FROM contexts_fts
         WHERE contexts_fts MATCH @match ORDER BY rowid DESC LIMIT @candidates)
       ORDER BY score, rowid DESC LIMIT @top`,
      )
      .raw();
    this.row = db.prepare(
      `SELECT project_name AS project, label, version, priority, tags, created_at AS createdAt, content
       FROM contexts WHERE seq = ?`,
    );
    this.matchCount = db.prepare('SELECT count(*) FROM (SELECT rowid FROM contexts_fts WHERE contexts_fts MATCH ? ORDER BY rowid DESC LIMIT ?)').pluck();
  }

  search(project: string, query: string, filters: SearchFilters, limit: number): SearchOutcome {
    const terms = searchTerms(query);
    if (terms.length === 0) return { hits: [], terms, matched: 'none' };
    const last = terms[terms.length - 1]!;
    const prefixLast = last.length >= 3 && this.countMatches(quote(last), PREFIX_MAX_EXACT_MATCHES) < PREFIX_MAX_EXACT_MATCHES;
    const all = this.run(project, ftsQuery(terms, 'AND', prefixLast), terms, filters, limit);
    if (all.length > 0 || terms.length === 1) return { hits: all, terms, matched: all.length > 0 ? 'all' : 'none' };
    const any = this.run(project, ftsQuery(terms, 'OR', prefixLast), terms, filters, limit);
    return { hits: any, terms, matched: any.length > 0 ? 'any' : 'none' };
  }

  /** How many contexts (any project) match, counting no further than `cap`. */
  private countMatches(match: string, cap: number): number {
    return this.matchCount.get(match, cap) as number;
  }

  private run(project: string, match: string, terms: string[], filters: SearchFilters, limit: number): SearchHit[] {
    const priorities = filters.priorities ?? [];
    const tags = filters.tags ?? [];
    const filtered = priorities.length > 0 || tags.length > 0;
    const accepts = (row: ContextRow): boolean =>
      row.project === project &&
      (priorities.length === 0 || priorities.includes(row.priority)) &&
      (tags.length === 0 || (JSON.parse(row.tags) as unknown[]).some((tag) => tags.includes(tag as string)));

    // The best-scored candidates, checked one by one (as few row lookups as possible): usually the
    // first few are this project's and pass the filters.
    const hits: SearchHit[] = [];
    let checked = 0;
    for (const top of filtered ? [CANDIDATES] : [limit * 3, CANDIDATES]) {
      const best = this.best.all({ match, candidates: CANDIDATES, top }) as [number, number][];
      for (; checked < best.length; checked++) {
        const [seq, score] = best[checked]!;
        const row = this.row.get(seq) as ContextRow | undefined;
        if (row && accepts(row)) hits.push(hitOf(row, score, terms));
        if (hits.length === limit) return hits;
      }
      if (best.length < top) return hits; // that was every match
    }

    // Too few hits among the newest candidates: tag words in the match, then more candidates, then
    // every match, filtered in SQL.
    const statement = this.filteredRanking(priorities.length, tags.length);
    const params: Record<string, unknown> = { project, limit };
    priorities.forEach((priority, i) => (params[`p${i}`] = priority));
    tags.forEach((tag, i) => (params[`t${i}`] = tag));
    const words = tagWords(filters.tags);
    const tagged = words === undefined ? undefined : `(${match}) AND ${words}`;
    const steps: [string, number][] = [];
    if (tagged) steps.push([tagged, CANDIDATES]);
    steps.push([tagged ?? match, WIDER_CANDIDATES], [tagged ?? match, -1]);
    let rows: RankedRow[] = [];
    for (const [stepMatch, candidates] of steps) {
      const result = statement.all({ ...params, match: stepMatch, candidates }) as (RankedRow | { seq: null; score: number })[];
      rows = result.filter((row): row is RankedRow => row.seq !== null);
      const considered = result.find((row) => row.seq === null)?.score ?? 0;
      // Enough hits, or the candidates already were every match: there is nothing more to find.
      if (rows.length >= limit || candidates < 0 || considered < candidates) break;
    }
    return rows.map((ranked) => hitOf(this.row.get(ranked.seq) as ContextRow, ranked.score, terms));
  }

  /** The filtering ranking statement for this many priority and tag filters, prepared once. */
  private filteredRanking(priorityCount: number, tagCount: number): Statement {
    const key = `${priorityCount}:${tagCount}`;
    let statement = this.filtered.get(key);
    if (statement) return statement;
    const where = ['c.project_name = @project'];
    if (priorityCount > 0) {
      where.push(`c.priority IN (${Array.from({ length: priorityCount }, (_, i) => `@p${i}`).join(', ')})`);
    }
    if (tagCount > 0) {
      const list = Array.from({ length: tagCount }, (_, i) => `@t${i}`).join(', ');
      where.push(`EXISTS (SELECT 1 FROM json_each(c.tags) WHERE json_each.value IN (${list}))`);
    }
    // The hits, then a row with a null seq that counts the candidates (less than asked: all matches).
    // The CROSS JOIN keeps SQLite from driving the join from the project's whole index instead.
    statement = this.db.prepare(
      `WITH r AS MATERIALIZED (
         SELECT rowid, ${SCORE} AS score FROM contexts_fts
         WHERE contexts_fts MATCH @match ORDER BY rowid DESC LIMIT @candidates)
       SELECT * FROM (
         SELECT r.rowid AS seq, r.score AS score FROM r CROSS JOIN contexts c ON c.seq = r.rowid
         WHERE ${where.join(' AND ')}
         ORDER BY r.score, r.rowid DESC LIMIT @limit)
       UNION ALL SELECT NULL, count(*) FROM r`,
    );
    this.filtered.set(key, statement);
    return statement;
  }
}

function hitOf(row: ContextRow, score: number, terms: string[]): SearchHit {
  return {
    label: row.label,
    version: row.version,
    priority: row.priority,
    tags: JSON.parse(row.tags) as string[],
    createdAt: row.createdAt,
    score: Math.round(-score * 1000) / 1000,
    snippet: snippetOf(row.content, terms),
  };
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
  const text = content
    .slice(start, start + width)
    .replace(/\s+/g, ' ')
    .trim();
  return `${start > 0 ? '…' : ''}${text}${start + width < content.length ? '…' : ''}`;
}
