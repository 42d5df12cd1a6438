import { lintSource } from '@secretlint/core';
import { secretLintProfiler } from '@secretlint/profiler';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import type { SecretLintCoreConfig } from '@secretlint/types';
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
 * secretlint's recommended rules, registered one by one (a preset's per-rule `disabled` is not
 * honoured), with two changes for text a model writes rather than a repository's files:
 * AWS access key ids (AKIA...) are opt-in in the preset and count here; and the comment filter is
 * left out, since "secretlint-disable" in a text would let the text switch its own check off.
 */
// secretlint profiles every rule of every scan with performance.mark() and keeps the entries: on by
// default, it grows the process's performance buffer without bound (a million marks after 10,000 scans).
secretLintProfiler.setEnabled(false);

const LEFT_OUT = '@secretlint/secretlint-rule-filter-comments';
const OPTIONS: Record<string, Record<string, unknown>> = { '@secretlint/secretlint-rule-aws': { enableIDScanRule: true } };
const CONFIG: SecretLintCoreConfig = {
  rules: recommended.rules
    .filter((rule) => rule.meta.id !== LEFT_OUT)
    .map((rule) => ({ id: rule.meta.id, rule, ...(OPTIONS[rule.meta.id] ? { options: OPTIONS[rule.meta.id] } : {}) })),
};

/** Readable kind names for the preset's rules (the rest use their own short name). */
const KIND_OF_RULE: Record<string, string> = {
  aws: 'aws-key',
  github: 'github-token',
  gitlab: 'gitlab-token',
  slack: 'slack-token',
  stripe: 'stripe-key',
  openai: 'openai-key',
  anthropic: 'anthropic-key',
  npm: 'npm-token',
  basicauth: 'password-in-url',
  'database-connection-string': 'database-url',
  privatekey: 'private-key',
  sendgrid: 'sendgrid-key',
  huggingface: 'huggingface-token',
};

function kindOfRule(ruleId: string): string {
  const short = ruleId.replace(/^@secretlint\/secretlint-rule-/, '');
  return KIND_OF_RULE[short] ?? short;
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
 * transaction, where no other call can interleave.
 */
export async function findSecrets(text: string): Promise<SecretFinding[]> {
  const ranges: { kind: string; start: number; end: number }[] = [];
  const result = await lintSource({
    // A text with no file name: secretlint then applies its file-specific rules (.npmrc) everywhere.
    source: { content: text, filePath: '', ext: '.txt', contentType: 'text' },
    options: { config: CONFIG, noPhysicFilePath: true, maskSecrets: true },
  });
  for (const message of result.messages) {
    const [start, end] = toEndOfToken(text, message.range[0], message.range[1]);
    ranges.push({ kind: kindOfRule(message.ruleId), start, end });
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
