import { composeHandoverContent } from '../sessions/handover-composer.ts';
import { listSome, minutesAgo, plural } from '../text/format.ts';
import { definePrompt } from './prompt.ts';

const LISTED = 10;
const list = (items: string[]): string => listSome(items, LISTED);

export const endSessionPrompt = definePrompt({
  name: 'end_session',
  title: 'End the session with a handover',
  description:
    'Asks the model to end this work session with a handover note: its own summary of what was done, the next steps and ' +
    'open questions, then to call end_session, so the next session (any client, any machine) continues from there.',
  args: {
    focus: {
      type: 'string',
      description: 'Anything the handover must mention, in your words (optional).',
      maxLength: 2_000,
    },
  },
  selectsProject: false,
  async compose({ args, project, scope, memory }) {
    const session = scope.session;
    const now = memory.clock.now();
    const recorded = composeHandoverContent(session, now, await memory.activity.forSession(session.id), await memory.notes.forSession(session.id), {});
    const facts = [
      recorded.locked.length > 0 ? `locked ${list(recorded.locked.map((c) => `${c.label} v${c.version}`))}` : '',
      recorded.recalled.length > 0 ? `read ${list(recorded.recalled.map((c) => c.label))}` : '',
      recorded.searches.length > 0 ? `searched ${list(recorded.searches.map((q) => `"${q}"`))}` : '',
      recorded.decisions.length + recorded.todos.length > 0 ? `noted ${recorded.decisions.length} decisions and ${recorded.todos.length} todos` : '',
    ].filter(Boolean);
    const text = [
      `Please end the work session on project "${project}" now, with a handover the next session can continue from.`,
      `The memory recorded for this session (started ${minutesAgo(now, session.startedAt)}, ${plural(session.callCount, 'call')}): ` +
        `${facts.length > 0 ? facts.join('; ') : 'nothing read or changed yet'}.`,
      ...(args.focus ? [`The user asks the handover to cover: ${args.focus}`] : []),
      'From this conversation, write:\n' +
        '1. summary: what was done and why, in a few sentences;\n' +
        '2. next_steps: what should happen next, one item each;\n' +
        '3. open_questions: what is still undecided or unknown.\n' +
        'First lock anything that must outlive the handover (decisions, specs, rules) with lock_context. Then call ' +
        `end_session(summary="...", next_steps=[...], open_questions=[...], project="${project}") and tell the user it is done.`,
    ].join('\n\n');
    return {
      text,
      description: `End the session on "${project}" with a handover.`,
      summary: `asked to end the session on ${project}`,
    };
  },
});
