import { formatDuration, handoverSections, isoMinute } from '../../sessions/handover-composer.ts';
import type { HandoverContent } from '../../store/handovers.ts';
import { Bad, parseJsonObject } from '../source-values.ts';

/**
 * claude-dementia wrote two kinds of handover rows into memory_entries (category 'handover'):
 * - sleep(): content "Session handover: 2h 5m of work", metadata the JSON {timestamp, session_id,
 *   duration, current_state, work_done: {progress, completed_todos, decisions}, next_steps: {todos,
 *   questions, issues}, important_context: {locked: [{label, version}]}};
 * - finalize_handover(): content the JSON {session_id, project_name, created_at, finished_at,
 *   work_done: [...], tools_used: [...], next_steps: [...], important_context}, metadata {project_name}.
 */

const HANDOVER_KEYS = ['work_done', 'next_steps', 'important_context', 'current_state', 'finished_at', 'duration'];

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const looksLikeHandover = (value: Record<string, unknown> | null): value is Record<string, unknown> =>
  value !== null && HANDOVER_KEYS.some((key) => key in value);

export interface OldHandover {
  /** The structured record, when the row has one. */
  record: Record<string, unknown> | null;
  /** The row's own text when it is not the record ("Session handover: 2h 5m of work"). */
  text: string | null;
}

/** Finds the record in content (later servers) or metadata (earlier ones); content that looks like JSON must be JSON. */
export function readOldHandover(content: string, metadata: Record<string, unknown> | null): OldHandover | Bad {
  if (content.trim().startsWith('{')) {
    const parsed = parseJsonObject(content, 'the content');
    if (parsed instanceof Bad) return parsed;
    if (looksLikeHandover(parsed)) return { record: parsed, text: null };
  }
  return { record: looksLikeHandover(metadata) ? metadata : null, text: content.trim() === '' ? null : content.trim() };
}

/** Readable lines from what old records hold: strings, or objects with a text-like field. */
function texts(value: unknown): string[] {
  const items = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return items
    .map((item) => {
      if (typeof item === 'string') return item;
      if (isRecord(item)) {
        const text = item.content ?? item.text ?? item.summary ?? item.decision ?? item.question ?? item.label;
        return typeof text === 'string' ? text : JSON.stringify(item);
      }
      return item === null || item === undefined ? '' : String(item);
    })
    .map((text) => text.trim())
    .filter((text) => text !== '');
}

/** "211h 34m" → minutes. */
export function durationMinutes(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const match = /^\s*(\d+)\s*h\s*(\d+)\s*m/.exec(value);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

/** Maps an old record onto our handover content; `versionOf` finds the version a locked context got here. */
export function handoverContent(
  old: OldHandover,
  startedAt: number,
  endedAt: number,
  versionOf: (label: string, version: string) => { version: number; priority: string } | undefined,
): HandoverContent {
  const record = old.record ?? {};
  const workDone = record.work_done;
  const nextSteps = record.next_steps;
  const important = isRecord(record.important_context) ? record.important_context : {};
  const done = isRecord(workDone) ? workDone : {};
  const next = isRecord(nextSteps) ? nextSteps : {};
  const locked = [
    ...(Array.isArray(important.locked) ? important.locked : []),
    ...(Array.isArray(important.critical_contexts) ? important.critical_contexts : []),
  ]
    .filter(isRecord)
    .map((item) => {
      const found = typeof item.label === 'string' ? versionOf(item.label, String(item.version ?? '')) : undefined;
      return found ? { label: item.label as string, version: found.version, priority: found.priority } : undefined;
    })
    .filter((item) => item !== undefined);
  const tools = texts(record.tools_used);
  return {
    durationMinutes: Math.max(0, Math.round((endedAt - startedAt) / 60_000)),
    toolCalls: 0,
    locked,
    archived: [],
    restored: [],
    recalled: [],
    searches: [],
    decisions: texts(done.decisions),
    todos: texts(next.todos),
    progress: [...(Array.isArray(workDone) ? texts(workDone) : texts(done.progress)), ...texts(done.completed_todos).map((todo) => `Completed: ${todo}`)],
    notes: [...texts(next.issues).map((issue) => `Issue: ${issue}`), ...(tools.length > 0 ? [`Tools used: ${tools.join(', ')}`] : [])],
    modelSummary: old.text ?? (typeof record.summary === 'string' ? record.summary : null),
    nextSteps: Array.isArray(nextSteps) ? texts(nextSteps) : [],
    openQuestions: texts(next.questions),
  };
}

/** The readable handover, in the shape of ours, saying where it came from. */
export function renderOldHandover(project: string, oldSessionId: string | null, startedAt: number, endedAt: number, content: HandoverContent): string {
  const lines = [
    `Handover for project "${project}" imported from claude-dementia`,
    `${oldSessionId ? `Session ${oldSessionId}` : 'A session'}: ${isoMinute(startedAt)} to ${isoMinute(endedAt)} (${formatDuration(content.durationMinutes)}).`,
  ];
  if (content.modelSummary) lines.push('', content.modelSummary);
  lines.push(...handoverSections(content));
  return lines.join('\n');
}
