import type { ContextVersion } from '../store/context-version.ts';
import type { Handover } from '../store/handovers.ts';
import type { Note } from '../store/notes.ts';
import { contextHeading, iso, listSome, plural, preview } from '../text/format.ts';

/**
 * The size budget of the `resume` message, in characters (about 3,000 tokens): enough for a
 * handover, a project's rules and a page of pointers, small enough not to crowd the conversation.
 */
export const RESUME_BUDGET_CHARS = 12_000;

/** The share of the budget the handover may take before rules, todos and contexts have had theirs. */
const HANDOVER_SHARE = 0.4;
const TODO_CHARS = 300;
const BRIEF_CHARS = 240;
/** What the "not shown" section may need at most (it names at most LISTED labels per kind). */
const LEFT_OUT_RESERVE = 1_400;
const LISTED = 8;

export interface ResumeMaterial {
  project: string;
  sessionId: string;
  started: boolean;
  /** This request made `project` the client's active project. */
  selected: boolean;
  handover: Handover | undefined;
  /** always_check rules, in the order they are offered (newest first). */
  rules: ContextVersion[];
  /** Todo notes, newest first. */
  todos: Note[];
  /** important contexts, newest first. */
  important: ContextVersion[];
  /** How many other (reference) contexts the project has. */
  referenceCount: number;
}

export interface ResumeText {
  text: string;
  /** Rules given in full and contexts given in brief: what the message recalled. */
  shown: ContextVersion[];
  handoverShown: boolean;
}

/** The last section; it sends the model to the handover's next steps only when there is a handover. */
const closing = (hasHandover: boolean): string =>
  '## How to continue\n' +
  (hasHandover ? "Pick up from the handover's next steps. " : 'Start from the rules and contexts above. ') +
  'Before a risky action (deploy, migration, deletion) call check_contexts(action="..."). ' +
  'Read a context in full with recall_context(topic="..."), find others with search_contexts(query="..."). Lock decisions and rules with ' +
  'lock_context, record todos with add_note(kind="todo"). When the work is done, call end_session with a summary and next steps.';

/** Cuts text to at most `limit` characters, at a line end (else a word end) in its second half, marking the cut. */
function cut(text: string, limit: number, marker: string): string {
  if (text.length <= limit) return text;
  const room = Math.max(0, limit - marker.length - 1);
  const lineEnd = text.lastIndexOf('\n', room);
  const wordEnd = text.lastIndexOf(' ', room);
  const end = lineEnd > room / 2 ? lineEnd : wordEnd > room / 2 ? wordEnd : room;
  return `${text.slice(0, end).trimEnd()}\n${marker}`;
}

/** Takes items whole, in order, while they fit in `room`; returns what fit, what did not, and the room left. */
function fill<T>(items: T[], render: (item: T) => string, room: number): { taken: { item: T; text: string }[]; left: T[]; room: number } {
  const taken: { item: T; text: string }[] = [];
  const left: T[] = [];
  for (const item of items) {
    const text = render(item);
    if (text.length + 1 <= room) {
      taken.push({ item, text });
      room -= text.length + 1;
    } else left.push(item);
  }
  return { taken, left, room };
}

const names = (labels: string[]): string => listSome(labels, LISTED);

/** A section of the message: its heading and lines, present only when it has lines. */
function section(heading: string, lines: string[]): string[] {
  return lines.length > 0 ? [`${heading}\n${lines.join('\n')}`] : [];
}

/** Sections are joined by a blank line: the length of the joined text. */
const joinedLength = (sections: string[]): number => sections.reduce((sum, s) => sum + s.length, 0) + 2 * Math.max(0, sections.length - 1);

/**
 * The `resume` message, within `budget` characters. The order of claims on the budget: the opening
 * and closing lines; the handover up to 40%; the always_check rules, each whole or not at all
 * (never half a rule); the open todos; the important contexts in brief; then all that is left goes
 * back to the handover. Whatever is left out is named, with the call that reads it.
 */
export function composeResume(material: ResumeMaterial, budget = RESUME_BUDGET_CHARS): ResumeText {
  const { project } = material;
  const opening =
    `Resume work on project "${project}" from Dementia Companion's memory (work session ${material.sessionId.slice(0, 8)}${material.started ? ', new' : ''}).` +
    (material.selected ? `\n"${project}" is now this client's project: memory tools without a project argument act on it.` : '');
  const handoverFull = material.handover
    ? `## Last handover\n${material.handover.summary}`
    : `## Last handover\nNone yet: no work session on "${project}" has ended so far.`;
  const noRules = material.rules.length === 0 ? 'None: this project has no always_check rules.' : 'None fit in this message: see "Not shown here".';
  const ending = closing(material.handover !== undefined);
  const ruleHeading = '## Rules to check before acting (always_check, in full)';
  const todoHeading = '## Open todos';
  const briefHeading = '## Important contexts, in brief';

  // Phase 1: rules, todos and briefs fill what the opening, closing, the handover's share and the
  // "not shown" reserve leave. A section costs its heading, a newline per line, and the blank line before it.
  let room = budget - joinedLength([opening, ending]) - LEFT_OUT_RESERVE - 2 - Math.min(handoverFull.length, Math.floor(budget * HANDOVER_SHARE));
  room -= 2 + ruleHeading.length + 1 + noRules.length; // the rules section with no rule in it
  const rules = fill(material.rules, (r) => `### ${contextHeading(r)}\n${r.content}`, room + 1 + noRules.length);
  if (rules.taken.length > 0) room = rules.room;
  const take = <T>(heading: string, items: T[], render: (item: T) => string) => {
    const result = fill(items, render, room - (2 + heading.length));
    if (result.taken.length > 0) room = result.room;
    return result;
  };
  const todos = take(todoHeading, material.todos, (n) => `- ${preview(n.text.replace(/\s+/g, ' '), TODO_CHARS)} (${iso(n.createdAt).slice(0, 10)})`);
  const briefs = take(briefHeading, material.important, (c) => `- ${contextHeading(c)}: ${preview(c.content.replace(/\s+/g, ' '), BRIEF_CHARS)}`);

  const leftOut: string[] = [];
  if (rules.left.length > 0) {
    leftOut.push(
      `- ${plural(rules.left.length, 'always_check rule')}: ${names(rules.left.map((r) => r.label))}. ` +
        'Read them with recall_context(topic="...") or check_contexts(action="...") before acting.',
    );
  }
  if (todos.left.length > 0) leftOut.push(`- ${plural(todos.left.length, 'more todo', 'more todos')}: context_dashboard lists the recent notes.`);
  if (briefs.left.length > 0)
    leftOut.push(`- ${plural(briefs.left.length, 'more important context', 'more important contexts')}: ${names(briefs.left.map((c) => c.label))}.`);
  if (material.referenceCount > 0) {
    leftOut.push(
      `- ${plural(material.referenceCount, 'reference context')}: search_contexts(query="...") or explore_context_tree finds ${material.referenceCount === 1 ? 'it' : 'them'}.`,
    );
  }
  const notShown = (lines: string[]) => (lines.length > 0 ? [cut(`## Not shown here\n${lines.join('\n')}`, LEFT_OUT_RESERVE - 2, '- …')] : []);
  const body = [
    `${ruleHeading}\n${rules.taken.length > 0 ? rules.taken.map((t) => t.text).join('\n') : noRules}`,
    ...section(
      todoHeading,
      todos.taken.map((t) => t.text),
    ),
    ...section(
      briefHeading,
      briefs.taken.map((t) => t.text),
    ),
  ];

  // Phase 2: the handover gets everything the other sections did not use.
  const assemble = (handover: string, lines: string[]) => [opening, handover, ...body, ...notShown(lines), ending];
  let sections = assemble(handoverFull, leftOut);
  if (joinedLength(sections) > budget) {
    const lines = ['- The rest of the handover: get_last_handover reads it whole.', ...leftOut];
    const room = budget - joinedLength(assemble('', lines));
    sections = assemble(cut(handoverFull, room, '[… the handover goes on: see "Not shown here"]'), lines);
  }
  return {
    // The arithmetic keeps within the budget; this cut only guards against a mistake in it.
    text: cut(sections.join('\n\n'), budget, '[… cut at the size budget]'),
    shown: [...rules.taken.map((t) => t.item), ...briefs.taken.map((t) => t.item)],
    handoverShown: material.handover !== undefined,
  };
}
