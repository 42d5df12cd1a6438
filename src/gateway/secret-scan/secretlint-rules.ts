import { lintSource } from '@secretlint/core';
import { secretLintProfiler } from '@secretlint/profiler';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import type { SecretLintCoreConfig } from '@secretlint/types';

/*
 * The part of the secret check that needs secretlint, in a module of its own: find-secrets.ts
 * loads it on first need (ensureSecretScanner), not when the gateway starts.
 */

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

/** What one of secretlint's rules reported: the kind, and the range it gave (not yet widened). */
export interface LintFinding {
  kind: string;
  start: number;
  end: number;
}

/** secretlint's findings in `text`; settles in microtasks (no I/O). */
export async function lintText(text: string): Promise<LintFinding[]> {
  const result = await lintSource({
    // A text with no file name: secretlint then applies its file-specific rules (.npmrc) everywhere.
    source: { content: text, filePath: '', ext: '.txt', contentType: 'text' },
    options: { config: CONFIG, noPhysicFilePath: true, maskSecrets: true },
  });
  return result.messages.map((message) => ({ kind: kindOfRule(message.ruleId), start: message.range[0], end: message.range[1] }));
}
