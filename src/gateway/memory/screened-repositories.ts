import type { ContextRepository, HandoverRepository, NoteRepository, ProjectRepository } from './memory.ts';
import type { Handover } from '../store/handovers.ts';
import { maskAll, screenFields } from '../secret-scan/screen.ts';

/**
 * The write methods of a memory, behind the secret check: every store (local SQLite, a hosted
 * tenant schema) builds its repositories through these, so whatever writes through a Memory (tools,
 * work sessions and their handovers, the status window) passes the check before anything is
 * stored or recorded for sync. Everything else is the store's own method, untouched.
 *
 * `ready` loads the scanner where the store may wait for it (ensureSecretScanner): the hosted store
 * anywhere, the local one outside a transaction only (its transaction loads it before BEGIN).
 */
export type ScannerReady = () => void | Promise<void>;

function overriding<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get: (object, key) => (Object.hasOwn(overrides, key) ? overrides[key as keyof T] : Reflect.get(object, key, object)),
  });
}

export function screenedContexts(contexts: ContextRepository, projects: ProjectRepository, ready: ScannerReady): ContextRepository {
  return overriding(contexts, {
    async lock(project, label, content, priority, tags, actor) {
      await ready();
      const fields = [
        { name: 'content', text: content },
        { name: 'topic', text: label },
        ...(tags ?? []).map((tag, index) => ({ name: `tags[${index}]`, text: tag })),
      ];
      const { texts } = await screenFields(fields, () => projects.secretPolicy(project), { maskable: (field) => field === 'content' });
      return contexts.lock(project, label, texts[0]!, priority, tags, actor);
    },
  });
}

export function screenedNotes(notes: NoteRepository, projects: ProjectRepository, ready: ScannerReady): NoteRepository {
  return overriding(notes, {
    async add(project, sessionId, kind, text) {
      await ready();
      const { texts } = await screenFields([{ name: 'text', text }], () => projects.secretPolicy(project));
      return notes.add(project, sessionId, kind, texts[0]!);
    },
  });
}

/**
 * A handover's own words (the model's summary, next steps, open questions) are checked like any
 * write; what it carries along from the session (searches, notes synced from elsewhere) is masked,
 * never refused: the idle sweeper must always be able to write a session's one handover.
 */
export function screenedHandovers(handovers: HandoverRepository, projects: ProjectRepository, ready: ScannerReady): HandoverRepository {
  return overriding(handovers, {
    async insert(handover: Handover) {
      await ready();
      const { content } = handover;
      const own = [
        ...(content.modelSummary !== null ? [{ name: 'summary', text: content.modelSummary }] : []),
        ...content.nextSteps.map((text, index) => ({ name: `next_steps[${index}]`, text })),
        ...content.openQuestions.map((text, index) => ({ name: `open_questions[${index}]`, text })),
      ];
      const { texts: checked } = await screenFields(own, () => projects.secretPolicy(handover.project));
      const ownOf = (name: string) => checked[own.findIndex((field) => field.name === name)]!;
      const carried = [content.searches, content.decisions, content.todos, content.progress, content.notes];
      const masked = await maskAll([handover.summary, ...carried.flat()]);
      let at = 1;
      const next = (items: string[]) => items.map(() => masked[at++]!);
      return handovers.insert({
        ...handover,
        summary: masked[0]!,
        content: {
          ...content,
          modelSummary: content.modelSummary !== null ? ownOf('summary') : null,
          nextSteps: content.nextSteps.map((_, index) => ownOf(`next_steps[${index}]`)),
          openQuestions: content.openQuestions.map((_, index) => ownOf(`open_questions[${index}]`)),
          searches: next(content.searches),
          decisions: next(content.decisions),
          todos: next(content.todos),
          progress: next(content.progress),
          notes: next(content.notes),
        },
      });
    },
  });
}

export function screenedProjects(projects: ProjectRepository, ready: ScannerReady): ProjectRepository {
  return overriding(projects, {
    async create(name, description, secretPolicy) {
      await ready();
      const { texts } = await screenFields([{ name: 'description', text: description ?? '' }], () => secretPolicy ?? 'refuse');
      return projects.create(name, texts[0], secretPolicy);
    },
  });
}
