import type { SecretPolicy, TextField } from '../secret-scan/screen.ts';
import { screenFields } from '../secret-scan/screen.ts';
import { isUserError } from '../errors.ts';
import type { ImportPlan, ProjectPlan, Skip } from './import-plan.ts';

/**
 * The secret check of an import, before anything is written (the writer's transactions are
 * synchronous; the check is not). A row that carries a credential is left out and reported as
 * skipped with the reason, or, in a project set to mask secrets, imported with them masked; a name
 * (label, tag) that carries one is always left out. The rest of the import goes ahead.
 */
export async function screenPlan(plan: ImportPlan, policyOf: (project: string) => SecretPolicy): Promise<void> {
  for (const project of plan.projects) await screenProject(project, policyOf(project.name));
}

/** The texts to store, or the skip that says why the row is left out. */
async function screen(fields: TextField[], policy: SecretPolicy, item: string, maskable: (field: string) => boolean): Promise<string[] | Skip> {
  try {
    return (await screenFields(fields, () => policy, { maskable })).texts;
  } catch (error) {
    if (!isUserError(error) || error.code !== 'SECRET_DETECTED') throw error;
    return { item, reason: `${error.message.replace('nothing was saved', 'not imported')} Fix: ${error.fix}` };
  }
}

const onlyContent = (field: string) => field === 'content';

async function screenProject(project: ProjectPlan, policy: SecretPolicy): Promise<void> {
  const skip = (result: string[] | Skip): result is Skip => !Array.isArray(result);
  const dropped = new Set<ProjectPlan['labels'][number]>();
  for (const label of project.labels) {
    const names = [{ name: 'topic', text: label.label }];
    if (label.kind === 'snapshot') {
      const result = await screen([{ name: 'content', text: label.content }, ...names, ...tagFields(label.tags)], policy, label.source, onlyContent);
      if (skip(result)) {
        project.skipped.push(result);
        dropped.add(label);
      } else label.content = result[0]!;
      continue;
    }
    const kept = [];
    for (const version of label.versions) {
      const result = await screen([{ name: 'content', text: version.content }, ...names, ...tagFields(version.tags)], policy, version.source, onlyContent);
      if (skip(result)) project.skipped.push(result);
      else kept.push({ ...version, content: result[0]! });
    }
    label.versions = kept;
    if (kept.length === 0) dropped.add(label);
  }
  project.labels = project.labels.filter((label) => !dropped.has(label));
  const handovers = [];
  for (const handover of project.handovers) {
    const parts = handoverTexts(handover.content);
    const result = await screen([{ name: 'summary', text: handover.summary }, ...parts.map((text, index) => ({ name: `content[${index}]`, text }))], policy, handover.source, () => true);
    if (skip(result)) project.skipped.push(result);
    else handovers.push({ ...handover, summary: result[0]!, content: withHandoverTexts(handover.content, result.slice(1)) });
  }
  project.handovers = handovers;
  const notes = [];
  for (const note of project.notes) {
    const result = await screen([{ name: 'text', text: note.text }], policy, note.source, () => true);
    if (skip(result)) project.skipped.push(result);
    else notes.push({ ...note, text: result[0]! });
  }
  project.notes = notes;
}

const tagFields = (tags: string[]): TextField[] => tags.map((text, index) => ({ name: `tags[${index}]`, text }));

type HandoverContent = ProjectPlan['handovers'][number]['content'];
const LISTS = ['searches', 'decisions', 'todos', 'progress', 'notes', 'nextSteps', 'openQuestions'] as const;

function handoverTexts(content: HandoverContent): string[] {
  return [content.modelSummary ?? '', ...LISTS.flatMap((list) => content[list])];
}

function withHandoverTexts(content: HandoverContent, texts: string[]): HandoverContent {
  let at = 1;
  const next = { ...content, modelSummary: content.modelSummary === null ? null : texts[0]! };
  for (const list of LISTS) next[list] = content[list].map(() => texts[at++]!);
  return next;
}
