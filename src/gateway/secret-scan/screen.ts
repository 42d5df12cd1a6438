import { UserError } from '../errors.ts';
import { findSecrets, maskFindings, type SecretFinding } from './find-secrets.ts';

export { ensureSecretScanner } from './find-secrets.ts';

/** What a project does with a write that carries a credential: refuse it (the default), or store it masked. */
export const SECRET_POLICIES = ['refuse', 'mask'] as const;
export type SecretPolicy = (typeof SECRET_POLICIES)[number];
export const DEFAULT_SECRET_POLICY: SecretPolicy = 'refuse';

export const isSecretPolicy = (value: unknown): value is SecretPolicy => SECRET_POLICIES.includes(value as SecretPolicy);

/** One piece of text a write stores, named as the caller knows it (`content`, `next_steps[2]`). */
export interface TextField {
  name: string;
  text: string;
}

/** Where a credential is: field, kind, line and column; never the credential. */
export interface LocatedSecret {
  field: string;
  kind: string;
  line: number;
  column: number;
}

const MAX_LISTED = 3;

/** Finds the credentials of several fields in one scan (one scan costs less than several). */
export async function locateSecrets(fields: readonly TextField[]): Promise<{ field: number; finding: SecretFinding }[]> {
  const offsets: number[] = [];
  let joined = '';
  for (const field of fields) {
    offsets.push(joined.length);
    joined += `${field.text}\n`;
  }
  const located: { field: number; finding: SecretFinding }[] = [];
  for (const found of await findSecrets(joined)) {
    let index = offsets.length - 1;
    while (offsets[index]! > found.start) index--;
    const start = found.start - offsets[index]!;
    const text = fields[index]!.text;
    const end = Math.min(found.end - offsets[index]!, text.length);
    const before = text.slice(0, start);
    const line = before.split('\n').length;
    const column = start - (before.lastIndexOf('\n') + 1) + 1;
    located.push({ field: index, finding: { kind: found.kind, start, end, line, column } });
  }
  return located;
}

/** The SECRET_DETECTED error: kind and place of each credential, and how to store a reference instead. */
export function secretRefusal(secrets: readonly LocatedSecret[]): UserError {
  const listed = secrets.slice(0, MAX_LISTED).map((s) => `a ${s.kind} in \`${s.field}\` at line ${s.line}, column ${s.column}`);
  const more = secrets.length > MAX_LISTED ? ` and ${secrets.length - MAX_LISTED} more` : '';
  return new UserError(
    'SECRET_DETECTED',
    `The text holds a credential (${listed.join('; ')}${more}); nothing was saved. Memory never stores secrets in the clear.`,
    'Store where the secret is kept instead of the secret itself (e.g. "the deploy key is in 1Password item \'CI deploy\'"), ' +
      'then call again. A project can instead keep such text with the secret masked: set_secret_handling(mode="mask").',
    { secrets },
  );
}

export interface Screened {
  /** The texts to store: as given, or with the credentials masked. */
  texts: string[];
  masked: LocatedSecret[];
}

/**
 * Checks the fields of one write. Without credentials they pass unchanged (the project's policy is
 * only read when something was found); with credentials, the policy refuses the write with
 * SECRET_DETECTED or masks them as `[REDACTED:kind]`.
 */
export async function screenFields(
  fields: readonly TextField[],
  policy: () => SecretPolicy | Promise<SecretPolicy>,
  options: { maskable?: (field: string) => boolean } = {},
): Promise<Screened> {
  const located = await locateSecrets(fields);
  if (located.length === 0) return { texts: fields.map((field) => field.text), masked: [] };
  // The project's policy is read only when something was found.
  const result = decide({ fields: [...fields], policy: await policy(), ...(options.maskable ? { maskable: options.maskable } : {}) }, located);
  if (result instanceof UserError) throw result;
  return result;
}

/** One write of a batch checked together. */
export interface BatchEntry {
  fields: TextField[];
  policy: SecretPolicy;
  maskable?: (field: string) => boolean;
}

/** Text per scan when checking many writes at once: a scan's cost per byte is lowest around this size. */
const BATCH_CHARS = 16 * 1024;

/**
 * Checks many writes (an import's rows) with few scans: each scan covers the fields of as many
 * entries as fit in BATCH_CHARS. Each entry gets what screenFields would give it, or the
 * SECRET_DETECTED error it would throw.
 */
export async function screenBatch(entries: readonly BatchEntry[]): Promise<(Screened | UserError)[]> {
  const results: (Screened | UserError)[] = [];
  let start = 0;
  while (start < entries.length) {
    let end = start;
    let chars = 0;
    while (end < entries.length && (end === start || chars < BATCH_CHARS)) {
      chars += entries[end]!.fields.reduce((sum, field) => sum + field.text.length + 1, 0);
      end += 1;
    }
    const chunk = entries.slice(start, end);
    const owners = chunk.flatMap((entry, index) => entry.fields.map((_, field) => ({ index, field })));
    const found = await locateSecrets(chunk.flatMap((entry) => entry.fields));
    for (const [index, entry] of chunk.entries()) {
      const mine = found.filter((f) => owners[f.field]!.index === index).map((f) => ({ field: owners[f.field]!.field, finding: f.finding }));
      results.push(decide(entry, mine));
    }
    start = end;
  }
  return results;
}

function decide(entry: BatchEntry, located: { field: number; finding: SecretFinding }[]): Screened | UserError {
  const texts = entry.fields.map((field) => field.text);
  if (located.length === 0) return { texts, masked: [] };
  const secrets = located.map(({ field, finding }) => ({ field: entry.fields[field]!.name, kind: finding.kind, line: finding.line, column: finding.column }));
  if (entry.policy !== 'mask') return secretRefusal(secrets);
  // A name (a topic, a tag) is never masked: masked names would collide and mislead.
  const unmaskable = entry.maskable ? secrets.filter((secret) => !entry.maskable!(secret.field)) : [];
  if (unmaskable.length > 0) return secretRefusal(unmaskable);
  return {
    texts: texts.map((text, index) =>
      maskFindings(
        text,
        located.filter((l) => l.field === index).map((l) => l.finding),
      ),
    ),
    masked: secrets,
  };
}

/** Masks every credential whatever the policy: for text a write carries along but did not choose (searches in a handover). */
export async function maskAll(texts: readonly string[]): Promise<string[]> {
  return (
    await screenFields(
      texts.map((text, index) => ({ name: String(index), text })),
      () => 'mask',
    )
  ).texts;
}

const MARKER = /\[REDACTED:[\w-]+\]/g;

/**
 * The sentence a tool result adds when its project masked credentials in what it stored (`stored`
 * has more masks than `given`); '' when nothing was masked.
 */
export function maskedNotice(given: string, stored: string): string {
  const count = (stored.match(MARKER)?.length ?? 0) - (given.match(MARKER)?.length ?? 0);
  if (count <= 0) return '';
  return ` ${count === 1 ? 'A credential was' : `${count} credentials were`} masked before storing ([REDACTED:kind]): this project masks secrets instead of refusing them.`;
}
