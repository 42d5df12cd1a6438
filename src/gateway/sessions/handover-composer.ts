import type { ActivityEntry } from '../store/activity.ts';
import type { HandoverContent } from '../store/handovers.ts';
import type { Note } from '../store/notes.ts';
import type { WorkSession } from '../store/work-sessions.ts';
import { searchTerms } from '../store/search.ts';
import { plural } from '../text/format.ts';

/** What the model itself says when it ends a session (end_session). */
export interface ModelNotes {
  summary?: string | undefined;
  nextSteps?: string[] | undefined;
  openQuestions?: string[] | undefined;
}

/** Keeps the first occurrence of each item, by key. */
function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function composeHandoverContent(
  session: WorkSession,
  endedAt: number,
  activity: ActivityEntry[],
  notes: Note[],
  modelNotes: ModelNotes,
): HandoverContent {
  const effects = activity.filter((entry) => entry.ok).map((entry) => entry.effects);
  const notesOf = (kind: Note['kind']) => notes.filter((note) => note.kind === kind).map((note) => note.text);
  return {
    durationMinutes: Math.max(0, Math.round((endedAt - session.startedAt) / 60_000)),
    toolCalls: session.callCount,
    locked: effects.flatMap((e) => e.locked ?? []),
    archived: effects.flatMap((e) => e.archived ?? []),
    restored: effects.flatMap((e) => e.restored ?? []),
    recalled: uniqueBy(
      effects.flatMap((e) => e.recalled ?? []),
      (r) => `${r.label}@${r.version}`,
    ),
    // A query of only stopwords ("the") searched for nothing: noise for whoever reads the handover.
    searches: uniqueBy(
      effects.flatMap((e) => e.searched ?? []).filter((q) => searchTerms(q).length > 0),
      (q) => q.toLowerCase(),
    ),
    decisions: notesOf('decision'),
    todos: notesOf('todo'),
    progress: notesOf('progress'),
    notes: notesOf('note'),
    modelSummary: modelNotes.summary ?? null,
    nextSteps: modelNotes.nextSteps ?? [],
    openQuestions: modelNotes.openQuestions ?? [],
  };
}

export function formatDuration(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

export const isoMinute = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

const END_REASONS: Record<string, string> = {
  idle: 'ended after the idle timeout',
  ended: 'ended by the model (end_session)',
  ended_by_user: 'ended by the user in the desktop app',
  project_deleted: 'ended because the project was deleted',
};

/** One line per context, its recalled versions in the order they were first read ("api-style v2, v1"). */
function recalledLines(recalled: HandoverContent['recalled']): string[] {
  const versionsByLabel = new Map<string, number[]>();
  for (const { label, version } of recalled) {
    const versions = versionsByLabel.get(label) ?? [];
    if (!versions.includes(version)) versions.push(version);
    versionsByLabel.set(label, versions);
  }
  return [...versionsByLabel].map(([label, versions]) => `${label} ${versions.map((v) => `v${v}`).join(', ')}`);
}

/** The sections of a readable handover (each a blank line, a title and its items); empty ones are left out. */
export function handoverSections(content: HandoverContent): string[] {
  const lines: string[] = [];
  const section = (title: string, items: string[]) => {
    if (items.length === 0) return;
    lines.push('', `${title}:`, ...items.map((item) => `- ${item}`));
  };
  section('Next steps', content.nextSteps);
  section('Open questions', content.openQuestions);
  section('Decisions', content.decisions);
  section('Todos', content.todos);
  section('Progress', content.progress);
  section('Notes', content.notes);
  section(
    'Contexts locked or changed',
    content.locked.map((c) => `${c.label} v${c.version} (${c.priority})`),
  );
  section(
    'Contexts archived',
    content.archived.map((c) => `${c.label} v${c.version}`),
  );
  section(
    'Contexts restored',
    content.restored.map((c) => `${c.label} v${c.version}`),
  );
  section('Contexts recalled', recalledLines(content.recalled));
  section(
    'Searches',
    content.searches.map((q) => `"${q}"`),
  );
  return lines;
}

/** The readable handover: what was done, changed, decided and left open. */
export function renderHandover(session: WorkSession, endedAt: number, reason: string, content: HandoverContent): string {
  const lines = [
    `Handover for project "${session.project}" from ${session.clientName}`,
    `Work session ${session.id}: ${isoMinute(session.startedAt)} to ${isoMinute(endedAt)} ` +
      `(${formatDuration(content.durationMinutes)}, ${plural(content.toolCalls, 'tool call')}), ${END_REASONS[reason] ?? reason}.`,
  ];
  if (content.modelSummary) lines.push('', 'Summary from the model:', content.modelSummary);
  lines.push(...handoverSections(content));
  if (content.toolCalls === 0 || lines.length === 2) lines.push('', 'No memory was read or changed in this session.');
  return lines.join('\n');
}
