import { EXTRA_RULES } from './extra-rules.ts';

/** A credential found in a text: what kind, and where (never the secret itself). */
export interface SecretFinding {
  /** Short name of the kind, e.g. "github-token", "private-key", "database-url". */
  kind: string;
  /** Offsets in the text, end exclusive: the whole token that carries the secret. */
  start: number;
  end: number;
  /** 1-based line and column of `start`. */
  line: number;
  column: number;
}

/**
 * Widens a reported range to the end of the token it starts: some rules report only part of what
 * they matched (the AWS secret rule reports the name's offset with the key's length), and masking
 * must never leave a piece of the secret behind. A token ends at white space, a quote or a bracket.
 */
function toEndOfToken(text: string, start: number, end: number): [number, number] {
  let to = Math.max(end, start + 1);
  while (to < text.length && !/[\s'"`,;)\]}>]/.test(text[to]!)) to++;
  return [start, to];
}

type Secretlint = typeof import('./secretlint-rules.ts');
let secretlint: Secretlint | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads secretlint and its rules once, on the first write that needs them rather than at start
 * (an idle `serve` is about 5 MiB smaller for it, bench/serve-footprint.ts). Callers await this
 * before they open a local SQLite transaction (sqlite-memory.ts, the import writer), since loading
 * waits for the disk and nothing may interleave inside one.
 */
export function ensureSecretScanner(): Promise<void> {
  loading ??= import('./secretlint-rules.ts').then(
    (loaded) => {
      secretlint = loaded;
    },
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function position(starts: number[], offset: number): { line: number; column: number } {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (starts[middle]! <= offset) low = middle;
    else high = middle - 1;
  }
  return { line: low + 1, column: offset - starts[low]! + 1 };
}

/**
 * The credentials in `text`, in order of position, overlapping findings merged. The scan settles
 * without waiting for I/O (its promise resolves in microtasks), so it may run inside a SQLite
 * transaction, where no other call can interleave; for that, the scanner must already be loaded
 * (ensureSecretScanner): loading here would wait for the disk, so it is refused instead.
 */
export async function findSecrets(text: string): Promise<SecretFinding[]> {
  if (!secretlint)
    throw new Error('Internal error: the secret scanner is not loaded yet; await ensureSecretScanner() before opening the transaction that writes.');
  const ranges: { kind: string; start: number; end: number }[] = [];
  for (const message of await secretlint.lintText(text)) {
    const [start, end] = toEndOfToken(text, message.start, message.end);
    ranges.push({ kind: message.kind, start, end });
  }
  for (const rule of EXTRA_RULES) {
    for (const match of text.matchAll(rule.pattern)) {
      const secret = match[rule.group];
      if (secret === undefined || (rule.accept && !rule.accept(secret))) continue;
      // A secret read in a lookahead starts where the match ends.
      const inside = match[0].indexOf(secret);
      const offset = match.index + (inside >= 0 ? inside : match[0].length);
      const [start, end] = toEndOfToken(text, offset, offset + secret.length);
      ranges.push({ kind: rule.kind, start, end });
    }
  }
  if (ranges.length === 0) return [];
  ranges.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: typeof ranges = [];
  for (const range of ranges) {
    const last = merged.at(-1);
    if (last && range.start < last.end) last.end = Math.max(last.end, range.end);
    else merged.push({ ...range });
  }
  const starts = lineStarts(text);
  return merged.map((range) => ({ ...range, ...position(starts, range.start) }));
}

/** The text with every finding replaced by `[REDACTED:kind]`. */
export function maskFindings(text: string, findings: readonly SecretFinding[]): string {
  let masked = '';
  let at = 0;
  for (const finding of findings) {
    masked += `${text.slice(at, finding.start)}[REDACTED:${finding.kind}]`;
    at = finding.end;
  }
  return masked + text.slice(at);
}
