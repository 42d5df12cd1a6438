import { UserError } from '../errors.ts';
import { screenBatch, type BatchEntry, type SecretPolicy, type TextField } from '../secret-scan/screen.ts';
import type { ImportPlan, ProjectPlan } from './import-plan.ts';

/**
 * The secret check of an import, before anything is written (the writer's transactions are
 * synchronous; the check is not). A row that carries a credential is left out and reported as
 * skipped with the reason, or, in a project set to mask secrets, imported with them masked; a name
 * (label, tag) that carries one is always left out. The rest of the import goes ahead. Rows are
 * checked many to a scan (screenBatch): one scan per row would cost more than writing it.
 */
export async function screenPlan(plan: ImportPlan, policyOf: (project: string) => SecretPolicy): Promise<void> {
  for (const project of plan.projects) await screenProject(project, policyOf(project.name));
}

/** One row to check: its fields, where it came from, and what to do with the outcome. */
interface Row extends BatchEntry {
  source: string;
  keep(texts: string[]): void;
  drop(): void;
}

const onlyContent = (field: string) => field === 'content';
const tagFields = (tags: string[]): TextField[] => tags.map((text, index) => ({ name: `tags[${index}]`, text }));

type HandoverContent = ProjectPlan['handovers'][number]['content'];
const LISTS = ['searches', 'decisions', 'todos', 'progress', 'notes', 'nextSteps', 'openQuestions'] as const;
const handoverTexts = (content: HandoverContent): string[] => [content.modelSummary ?? '', ...LISTS.flatMap((list) => content[list])];

function withHandoverTexts(content: HandoverContent, texts: string[]): HandoverContent {
  let at = 1;
  const next = { ...content, modelSummary: content.modelSummary === null ? null : texts[0]! };
  for (const list of LISTS) next[list] = content[list].map(() => texts[at++]!);
  return next;
}

async function screenProject(project: ProjectPlan, policy: SecretPolicy): Promise<void> {
  const dropped = new Set<object>();
  const rows: Row[] = [];
  for (const label of project.labels) {
    const names = [{ name: 'topic', text: label.label }];
    if (label.kind === 'snapshot') {
      rows.push({
        fields: [{ name: 'content', text: label.content }, ...names, ...tagFields(label.tags)],
        policy,
        maskable: onlyContent,
        source: label.source,
        keep: (texts) => void (label.content = texts[0]!),
        drop: () => void dropped.add(label),
      });
      continue;
    }
    for (const version of label.versions) {
      rows.push({
        fields: [{ name: 'content', text: version.content }, ...names, ...tagFields(version.tags)],
        policy,
        maskable: onlyContent,
        source: version.source,
        keep: (texts) => void (version.content = texts[0]!),
        drop: () => void dropped.add(version),
      });
    }
  }
  for (const handover of project.handovers) {
    rows.push({
      fields: [{ name: 'summary', text: handover.summary }, ...handoverTexts(handover.content).map((text, index) => ({ name: `content[${index}]`, text }))],
      policy,
      source: handover.source,
      keep: (texts) => {
        handover.summary = texts[0]!;
        handover.content = withHandoverTexts(handover.content, texts.slice(1));
      },
      drop: () => void dropped.add(handover),
    });
  }
  for (const note of project.notes) {
    rows.push({ fields: [{ name: 'text', text: note.text }], policy, source: note.source, keep: (texts) => void (note.text = texts[0]!), drop: () => void dropped.add(note) });
  }
  const outcomes = await screenBatch(rows);
  for (const [index, outcome] of outcomes.entries()) {
    const row = rows[index]!;
    if (outcome instanceof UserError) {
      row.drop();
      project.skipped.push({ item: row.source, reason: `${outcome.message.replace('nothing was saved', 'not imported')} Fix: ${outcome.fix}` });
    } else if (outcome.masked.length > 0) {
      row.keep(outcome.texts);
    }
  }
  for (const label of project.labels) if (label.kind === 'history') label.versions = label.versions.filter((version) => !dropped.has(version));
  project.labels = project.labels.filter((label) => !dropped.has(label) && (label.kind === 'snapshot' || label.versions.length > 0));
  project.handovers = project.handovers.filter((handover) => !dropped.has(handover));
  project.notes = project.notes.filter((note) => !dropped.has(note));
}
