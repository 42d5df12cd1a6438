import { parseArgs } from '../tools/args.ts';
import { LOCK_ARGS } from '../tools/context-tools.ts';
import { isUserError } from '../errors.ts';
import { PRIORITIES, type Priority } from '../store/context-version.ts';

/**
 * Turning values read from another memory server into ours. Each parser returns the value or a
 * `Bad` naming what is wrong, so the caller can say which row of which table it was.
 */
export class Bad {
  readonly problem: string;
  constructor(problem: string) {
    this.problem = problem;
  }
}

const SQL_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?$/;

/**
 * Milliseconds since the epoch from what old servers stored: epoch seconds (a number or numeric
 * text; milliseconds when the number is that large), a Date, ISO text, or SQLite's CURRENT_TIMESTAMP
 * text ("2025-11-23 16:17:03", UTC). Text without a zone is UTC. Null when there is no value.
 */
export function parseTime(value: unknown): number | null | Bad {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'bigint') return parseTime(Number(value));
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? new Bad('is not a valid date') : value.getTime();
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return new Bad(`is not a time (${value})`);
    return Math.round(value < 1e11 ? value * 1000 : value);
  }
  if (typeof value !== 'string') return new Bad(`is not a time (${typeof value})`);
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return parseTime(Number(text));
  const plain = SQL_TIMESTAMP.exec(text);
  if (plain) {
    const [, y, mo, d, h, mi, s, fraction] = plain;
    return Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, s ? +s : 0, fraction ? Math.round(Number(fraction) * 1000) : 0);
  }
  const parsed = Date.parse(text);
  return Number.isNaN(parsed) ? new Bad(`is not a time ("${text.slice(0, 40)}")`) : parsed;
}

/** A version like "1.0", "1.10" or "v2" as numbers, so "1.9" sorts before "1.10". */
export function parseVersion(value: unknown): number[] | Bad {
  if (value === null || value === undefined || value === '') return [1, 0];
  const text = String(value).trim().replace(/^v/i, '');
  if (!/^\d+(\.\d+)*$/.test(text)) return new Bad(`version "${String(value).slice(0, 20)}" is not a number like 1.0`);
  return text.split('.').map(Number);
}

export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** A JSON object stored as text (or already parsed by the driver); null when empty. */
export function parseJsonObject(value: unknown, what: string): Record<string, unknown> | null | Bad {
  if (value === null || value === undefined) return null;
  let parsed = value;
  if (typeof value === 'string') {
    if (value.trim() === '') return null;
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      return new Bad(`${what} is not valid JSON (${(error as Error).message.slice(0, 80)})`);
    }
  } else if (Buffer.isBuffer(value)) {
    return parseJsonObject(value.toString('utf8'), what);
  }
  if (parsed === null) return null;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) return new Bad(`${what} is JSON but not an object`);
  return parsed as Record<string, unknown>;
}

/** A priority of ours; anything else is `reference`, and `unknown` says what it was. */
export function mapPriority(value: unknown): { priority: Priority; unknown: string | null } {
  if (value === null || value === undefined || value === '') return { priority: 'reference', unknown: null };
  const text = String(value).trim().toLowerCase();
  const priority = PRIORITIES.find((known) => known === text);
  return priority ? { priority, unknown: null } : { priority: 'reference', unknown: String(value).slice(0, 40) };
}

/** Tags from an array, a JSON array text or a comma-separated string. */
export function rawTags(value: unknown): unknown {
  if (typeof value === 'string' && value.trim().startsWith('[')) {
    try {
      const parsed = JSON.parse(value) as unknown;
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      // Not JSON after all: a comma-separated list that starts with "[".
    }
  }
  if (Array.isArray(value)) return value.map((item) => (item === null || item === undefined ? '' : String(item)));
  return value ?? [];
}

export interface LockInput {
  label: string;
  content: string;
  tags: string[];
}

/**
 * A label, content and tags checked exactly as lock_context checks them (trimmed label, lower-case
 * unique tags, the same limits), so what is imported is what a client could have locked.
 */
export function checkLockInput(label: unknown, content: unknown, tags: unknown): LockInput | Bad {
  if (typeof content === 'string' && content.trim() === '') return new Bad('the content is empty');
  try {
    const args = parseArgs('import', LOCK_ARGS, { topic: label, content, tags: rawTags(tags) });
    return { label: args.topic, content: args.content, tags: args.tags ?? [] };
  } catch (error) {
    if (!isUserError(error)) throw error;
    return new Bad(
      error.message
        .replace(/^import: /, '')
        .replace(/`topic`/g, 'the label')
        .replace(/`content`/g, 'the content')
        .replace(/`tags(\[\d+\])?`/g, 'a tag'),
    );
  }
}
