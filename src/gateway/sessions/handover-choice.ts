import type { Memory } from '../memory/memory.ts';
import type { Handover, HandoverContent } from '../store/handovers.ts';
import { plural } from '../text/format.ts';
import { isoMinute } from './handover-composer.ts';

/**
 * Which handover a reader gets (get_last_handover, `dementia handover show`, the status window).
 * A session can end without recording any work: the user clicks "End session now" right after
 * the model's own end_session, or a session only read memory. Its handover is real, but the one
 * before it says more about where the work stands, with the model's summary and next steps. So a
 * reader gets the newest handover that records work; the later ones that record none are listed
 * with it (ordered after it, not merged: each stays as it was written).
 */

/** Work means a change or a word for the next session: locks, archives, restores, notes, the model's notes. */
export function recordsWork(content: HandoverContent): boolean {
  return (
    content.modelSummary !== null ||
    [
      content.nextSteps,
      content.openQuestions,
      content.decisions,
      content.todos,
      content.progress,
      content.notes,
      content.locked,
      content.archived,
      content.restored,
    ].some((items) => items.length > 0)
  );
}

/** How far back a reader's choice looks; beyond that many sessions without work, the newest is shown. */
export const READER_WINDOW = 20;

export interface ReaderHandover {
  handover: Handover;
  /** Handovers written after it that record no work, newest first. */
  laterWithoutWork: Handover[];
}

/** From a project's handovers, newest first: the one a reader gets. */
export function chooseForReader(recent: readonly Handover[]): ReaderHandover | undefined {
  if (recent.length === 0) return undefined;
  const index = recent.findIndex((handover) => recordsWork(handover.content));
  if (index <= 0) return { handover: recent[0]!, laterWithoutWork: [] };
  return { handover: recent[index]!, laterWithoutWork: recent.slice(0, index) };
}

export async function handoverForReader(memory: Memory, project: string): Promise<ReaderHandover | undefined> {
  return chooseForReader(await memory.handovers.recent(READER_WINDOW, project));
}

const END_WORDS: Record<string, string> = {
  idle: 'after the idle timeout',
  ended: 'by the model',
  ended_by_user: 'by the user in the desktop app',
  project_deleted: 'because the project was deleted',
};

/** "ended by the user in the desktop app at 2026-01-05 09:14 UTC" */
export const endedText = (handover: Handover): string => `ended ${END_WORDS[handover.endReason] ?? handover.endReason} at ${isoMinute(handover.endedAt)}`;

/** The line a reader gets under the handover about later sessions that recorded no work. */
export function laterNote(later: readonly Handover[]): string {
  if (later.length === 0) return '';
  const sessions = later.map((h) => `${h.clientName}, ${endedText(h)}, ${plural(h.content.toolCalls, 'tool call')}`).join('; ');
  return `Since then ${plural(later.length, 'session')} ended without recording work (no changes, notes or summary): ${sessions}.`;
}

/** What a handover holds, in a few words: "3 tool calls: 2 contexts locked, 1 decision, the model's summary". */
export function workDigest(content: HandoverContent): string {
  const parts = [
    content.locked.length > 0 && `${plural(content.locked.length, 'context')} locked`,
    content.archived.length > 0 && `${plural(content.archived.length, 'context')} archived`,
    content.restored.length > 0 && `${plural(content.restored.length, 'context')} restored`,
    content.decisions.length > 0 && plural(content.decisions.length, 'decision'),
    content.todos.length > 0 && plural(content.todos.length, 'todo'),
    content.progress.length + content.notes.length > 0 && plural(content.progress.length + content.notes.length, 'note'),
    (content.modelSummary !== null || content.nextSteps.length > 0) && "the model's summary and next steps",
  ].filter((part): part is string => typeof part === 'string');
  const calls = plural(content.toolCalls, 'tool call');
  if (parts.length > 0) return `${calls}: ${parts.join(', ')}`;
  return content.toolCalls === 0 ? 'no tool calls' : `${calls}, no work recorded (only reads)`;
}
