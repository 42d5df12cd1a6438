/**
 * Shared text shapes of results, so every tool, prompt, resource and status line presents the same
 * things the same way. On the ground floor: it names the fields it shows instead of importing the
 * store's types.
 */

/** The fields of a context version that its text shows. */
export interface ContextFacts {
  id: string;
  label: string;
  version: number;
  priority: string;
  tags: readonly string[];
  contentHash: string;
  createdAt: number;
  content: string;
}

export const iso = (ms: number): string => new Date(ms).toISOString();
/** The same for a time that may be unknown (null), as JSON output carries it. */
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

/** "a, b, c", or the first `max` and "and N more" when there are more. */
export const listSome = (items: readonly string[], max: number): string =>
  items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;

/** "1 result", "3 results"; `many` for irregular plurals. */
export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

export function minutesAgo(now: number, then: number): string {
  const minutes = Math.round((now - then) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.round(hours / 24)} days ago`;
}

export const PREVIEW_CHARS = 400;

export function preview(content: string, chars = PREVIEW_CHARS): string {
  return content.length <= chars ? content : `${content.slice(0, chars)}… (${content.length - chars} more characters)`;
}

/** The heading line of a context version: label, version, priority, tags. */
export function contextHeading(context: Pick<ContextFacts, 'label' | 'version' | 'priority' | 'tags'>): string {
  const tags = context.tags.length > 0 ? ` [${context.tags.join(', ')}]` : '';
  return `${context.label} v${context.version} (${context.priority})${tags}`;
}

/** Structured form of a context for structuredContent, optionally without its body. */
export function contextData(context: ContextFacts, withContent: boolean): Record<string, unknown> {
  return {
    id: context.id,
    label: context.label,
    version: context.version,
    priority: context.priority,
    tags: context.tags,
    contentHash: context.contentHash,
    createdAt: iso(context.createdAt),
    length: context.content.length,
    ...(withContent ? { content: context.content } : {}),
  };
}

/** The projects to choose from, one a line (what a caller without a project is shown). */
export function projectListing(projects: readonly { name: string; contextCount: number }[]): string {
  return projects.length > 0 ? projects.map((p) => `- ${p.name} (${plural(p.contextCount, 'context')})`).join('\n') : '(no projects yet)';
}
