import { handoverForReader, laterNote } from '../sessions/handover-choice.ts';
import { formatDuration } from '../sessions/handover-composer.ts';
import { maskedNotice } from '../secret-scan/screen.ts';
import { NOTE_KINDS } from '../store/notes.ts';
import { iso, minutesAgo, plural } from '../text/format.ts';
import { defineTool } from './tool.ts';

export const sessionStatus = defineTool({
  name: 'session_status',
  title: 'Session status',
  description:
    'Who am I and where: this client, its project (and whether it came from an argument, a pin or the selection), ' +
    'the work session, minutes until it becomes a handover, and the other clients working on the same project.',
  args: {},
  project: 'optional',
  readOnly: true,
  async run({ caller, project, session, memory, workSessions }) {
    const now = memory.clock.now();
    if (!project || !session) {
      const names = await memory.projects.names();
      return {
        text:
          `Client: ${caller.client.name} (${caller.client.kind}). No project is selected.\n` +
          (names.length > 0
            ? `Projects: ${names.join(', ')}. Select one with select_project_for_session(project_name="...").`
            : 'Projects: none yet. Create one with create_project(name="...").'),
        data: { client: { id: caller.client.id, name: caller.client.name, kind: caller.client.kind }, projects: names },
        summary: 'session status (no project)',
      };
    }
    const others = (await memory.sessions.openOnProject(project)).filter((s) => s.id !== session.id);
    const untilHandover = Math.round(workSessions.minutesUntilHandover(session, now));
    const handover = (await handoverForReader(memory, project))?.handover;
    return {
      text: [
        `Client: ${caller.client.name} (${caller.client.kind}${caller.instanceKey ? `, instance ${caller.instanceKey}` : ''}).`,
        `Work session ${session.id} on "${project}": started ${minutesAgo(now, session.startedAt)}, ${plural(session.callCount, 'tool call')}; ` +
          `it becomes a handover after ${formatDuration(Math.round(workSessions.idleMs / 60_000))} without a call (${untilHandover} min from now).`,
        `Other clients on this project: ${others.length === 0 ? 'none' : others.map((s) => `${s.clientName} (last call ${minutesAgo(now, s.lastActivityAt)})`).join(', ')}.`,
        `Last handover: ${handover ? `${handover.clientName}, ${iso(handover.endedAt)}` : 'none yet'}.`,
      ].join('\n'),
      data: {
        client: { id: caller.client.id, name: caller.client.name, kind: caller.client.kind, instance: caller.instanceKey },
        session: {
          id: session.id,
          startedAt: iso(session.startedAt),
          callCount: session.callCount,
          minutesUntilHandover: untilHandover,
        },
        otherClients: others.map((s) => ({ client: s.clientName, sessionId: s.id, lastActivityAt: iso(s.lastActivityAt) })),
        lastHandover: handover ? { id: handover.id, client: handover.clientName, endedAt: iso(handover.endedAt) } : null,
      },
      summary: 'session status',
    };
  },
});

export const endSession = defineTool({
  name: 'end_session',
  title: 'End session',
  description:
    'Ends this work session now and writes its handover, so the next session (any client) can continue. ' +
    'Give your own summary of what was done, the next steps and open questions: they are the most useful part. ' +
    'Sessions also end by themselves after the idle timeout, without your notes.',
  args: {
    summary: { type: 'string', description: 'What was done in this session, in a few sentences.', maxLength: 20_000 },
    next_steps: { type: 'list', description: 'What should happen next (array or comma-separated).', maxItems: 50, maxItemLength: 2_000 },
    open_questions: { type: 'list', description: 'Questions left open.', maxItems: 50, maxItemLength: 2_000 },
  },
  project: 'required',
  readOnly: false,
  async run({ args, session, memory, workSessions }) {
    const handover = await workSessions.finalize(memory, session, memory.clock.now(), 'ended', {
      summary: args.summary,
      nextSteps: args.next_steps,
      openQuestions: args.open_questions,
    });
    return {
      text: `Ended the work session and wrote its handover. The next call starts a new session.${maskedNotice(
        [args.summary ?? '', ...(args.next_steps ?? []), ...(args.open_questions ?? [])].join('\n'),
        [handover.content.modelSummary ?? '', ...handover.content.nextSteps, ...handover.content.openQuestions].join('\n'),
      )}\n\n${handover.summary}`,
      data: { handover: { id: handover.id, endedAt: iso(handover.endedAt), summary: handover.summary } },
      summary: 'ended the session',
      effects: { handover: { id: handover.id } },
    };
  },
});

export const getLastHandover = defineTool({
  name: 'get_last_handover',
  title: 'Last handover',
  description:
    'Reads the last handover of the project: what the previous work session (from any client or machine) did, ' +
    'changed, decided and left open. Call it when starting work on a project. Sessions that ended without recording ' +
    'work (no changes, notes or summary) do not hide an earlier one: it is returned, and they are listed after it.',
  args: {},
  project: 'required',
  readOnly: true,
  async run({ project, memory }) {
    const chosen = await handoverForReader(memory, project);
    if (!chosen) {
      return {
        text: `No handover yet for project "${project}". One is written when a work session ends (end_session or the idle timeout).`,
        data: { handover: null },
        summary: 'no handover yet',
      };
    }
    const { handover, laterWithoutWork } = chosen;
    return {
      text: laterWithoutWork.length > 0 ? `${handover.summary}\n\n${laterNote(laterWithoutWork)}` : handover.summary,
      data: {
        laterWithoutWork: laterWithoutWork.map((h) => ({
          id: h.id,
          client: h.clientName,
          endedAt: iso(h.endedAt),
          endReason: h.endReason,
          toolCalls: h.content.toolCalls,
        })),
        handover: {
          id: handover.id,
          sessionId: handover.sessionId,
          client: handover.clientName,
          startedAt: iso(handover.startedAt),
          endedAt: iso(handover.endedAt),
          endReason: handover.endReason,
          content: handover.content,
        },
      },
      summary: `read handover from ${handover.clientName}`,
    };
  },
});

export const addNote = defineTool({
  name: 'add_note',
  title: 'Add note',
  description:
    'Records a decision, todo, progress note or plain note in this work session; they go into its handover. ' +
    'Use it for things the next session must know that are not worth a context of their own.',
  args: {
    kind: { type: 'string', description: 'decision, todo, progress or note.', required: true, enum: NOTE_KINDS },
    text: { type: 'string', description: 'The note.', required: true, minLength: 1, maxLength: 10_000 },
  },
  project: 'required',
  readOnly: false,
  async run({ args, project, session, memory }) {
    const { text } = await memory.notes.add(project, session.id, args.kind, args.text);
    return {
      text: `Recorded ${args.kind}: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}${maskedNotice(args.text, text)}`,
      data: { kind: args.kind },
      summary: `noted a ${args.kind}`,
    };
  },
});
