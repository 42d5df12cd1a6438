import { handoverForReader } from '../sessions/handover-choice.ts';
import { plural } from '../text/format.ts';
import { definePrompt } from './prompt.ts';
import { composeResume, RESUME_BUDGET_CHARS } from './resume-text.ts';

/** How many todos and important contexts are offered to the budget (the newest first). */
const TODO_LIMIT = 20;
const IMPORTANT_LIMIT = 30;

export const resumePrompt = definePrompt({
  name: 'resume',
  title: 'Resume a project',
  description:
    'Starts the conversation with the project memory: the waiting handover, the always_check rules in full, open todos ' +
    `and the important contexts in brief, in one message of at most ${RESUME_BUDGET_CHARS.toLocaleString('en-US')} characters ` +
    "(what does not fit is named, with how to read it). Without `project` it resumes this client's project; naming one also selects it.",
  args: {},
  selectsProject: true,
  async compose({ project, scope, memory }) {
    const latest = await memory.contexts.latestOfProject(project);
    const newestFirst = [...latest].sort((a, b) => b.createdAt - a.createdAt || a.label.localeCompare(b.label));
    // The handover get_last_handover gives: one without work does not hide the model's own.
    const handover = (await handoverForReader(memory, project))?.handover;
    const resume = composeResume({
      project,
      sessionId: scope.session.id,
      started: scope.started,
      selected: scope.selected,
      handover,
      rules: newestFirst.filter((c) => c.priority === 'always_check'),
      // The handover already lists the todos of its own session.
      todos: (await memory.notes.recent(project, TODO_LIMIT, 'todo')).filter((note) => note.sessionId !== handover?.sessionId),
      important: newestFirst.filter((c) => c.priority === 'important').slice(0, IMPORTANT_LIMIT),
      referenceCount: latest.filter((c) => c.priority === 'reference').length,
    });
    if (resume.handoverShown && !scope.session.handoverAnnounced) await memory.sessions.markHandoverAnnounced(scope.session.id);
    const rules = resume.shown.filter((c) => c.priority === 'always_check').length;
    return {
      text: resume.text,
      description: `Resume "${project}": ${handover ? `handover from ${handover.clientName}` : 'no handover yet'}, ${plural(rules, 'rule')}, ${plural(resume.shown.length - rules, 'context')} in brief.`,
      summary: `resumed ${project} (${resume.text.length} characters)`,
      effects: { recalled: resume.shown.map((c) => ({ label: c.label, version: c.version })) },
    };
  },
});
