import { UserError } from '../errors.ts';
import { ensureSecretScanner, screenBatch, type BatchEntry, type SecretPolicy, type TextField } from '../secret-scan/screen.ts';
import type { LabelHistory, LabelSnapshot, PlannedHandover, PlannedNote, Skip } from './import-plan.ts';

/**
 * The secret check of an import's rows. A row that carries a credential is left out and reported as
 * skipped with the reason, or, in a project set to mask secrets, imported with them masked; a name
 * (label, tag) that carries one is always left out. The writer checks each batch of rows while the
 * previous batch's pause runs (its transactions are synchronous; the check is not), many rows to a
 * scan (screenBatch): one scan per row would cost more than writing it.
 */

/** One planned row to check, and what to do with the outcome. */
export interface ScreenRow extends BatchEntry {
  source: string;
  /** Masked texts, in the order of `fields`. */
  keep(texts: string[]): void;
}

/** Planned rows the check left out: the writer passes over them. */
export type Dropped = Set<object>;

const onlyContent = (field: string) => field === 'content';
const tagFields = (tags: string[]): TextField[] => tags.map((text, index) => ({ name: `tags[${index}]`, text }));

type HandoverContent = PlannedHandover['content'];
const LISTS = ['searches', 'decisions', 'todos', 'progress', 'notes', 'nextSteps', 'openQuestions'] as const;
const handoverTexts = (content: HandoverContent): string[] => [content.modelSummary ?? '', ...LISTS.flatMap((list) => content[list])];

function withHandoverTexts(content: HandoverContent, texts: string[]): HandoverContent {
  let at = 1;
  const next = { ...content, modelSummary: content.modelSummary === null ? null : texts[0]! };
  for (const list of LISTS) next[list] = content[list].map(() => texts[at++]!);
  return next;
}

/** The rows of a label: its snapshot, or each version of its history (keyed by the object a writer drops). */
export function labelRows(label: LabelHistory | LabelSnapshot, policy: SecretPolicy): (ScreenRow & { row: object })[] {
  const topic = { name: 'topic', text: label.label };
  if (label.kind === 'snapshot') {
    return [
      {
        row: label,
        fields: [{ name: 'content', text: label.content }, topic, ...tagFields(label.tags)],
        policy,
        maskable: onlyContent,
        source: label.source,
        keep: (texts) => void (label.content = texts[0]!),
      },
    ];
  }
  return label.versions.map((version) => ({
    row: version,
    fields: [{ name: 'content', text: version.content }, topic, ...tagFields(version.tags)],
    policy,
    maskable: onlyContent,
    source: version.source,
    keep: (texts: string[]) => void (version.content = texts[0]!),
  }));
}

export function handoverRow(handover: PlannedHandover, policy: SecretPolicy): ScreenRow & { row: object } {
  return {
    row: handover,
    fields: [{ name: 'summary', text: handover.summary }, ...handoverTexts(handover.content).map((text, index) => ({ name: `content[${index}]`, text }))],
    policy,
    source: handover.source,
    keep: (texts) => {
      handover.summary = texts[0]!;
      handover.content = withHandoverTexts(handover.content, texts.slice(1));
    },
  };
}

export function noteRow(note: PlannedNote, policy: SecretPolicy): ScreenRow & { row: object } {
  return { row: note, fields: [{ name: 'text', text: note.text }], policy, source: note.source, keep: (texts) => void (note.text = texts[0]!) };
}

/** Checks the rows: masks in place, or adds the row to `dropped` and reports the skip. */
export async function screenRows(rows: readonly (ScreenRow & { row: object; skip: (skip: Skip) => void })[], dropped: Dropped): Promise<void> {
  // Runs between the writer's batches, never inside one: loading the scanner may wait here.
  await ensureSecretScanner();
  const outcomes = await screenBatch(rows);
  for (const [index, outcome] of outcomes.entries()) {
    const row = rows[index]!;
    if (outcome instanceof UserError) {
      dropped.add(row.row);
      row.skip({ item: row.source, reason: `${outcome.message.replace('nothing was saved', 'not imported')} Fix: ${outcome.fix}` });
    } else if (outcome.masked.length > 0) {
      row.keep(outcome.texts);
    }
  }
}
