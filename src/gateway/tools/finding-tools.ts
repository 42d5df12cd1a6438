import { handoverForReader } from '../sessions/handover-choice.ts';
import { PRIORITIES, type ContextVersion, type Priority } from '../store/context-version.ts';
import { ignoredWords, searchTerms } from '../store/search.ts';
import { TAGS } from './context-tools.ts';
import { contextHeading, iso, minutesAgo, plural, preview } from '../text/format.ts';
import { defineTool } from './tool.ts';
import type { Memory } from '../memory/memory.ts';
import { confirmPairs, percent, type NearDuplicatePair } from '../store/near-duplicates.ts';

/** Not read (nor written) for this long: shown as a candidate to archive. */
const UNREAD_DAYS = 30;
const DAY_MS = 24 * 60 * 60_000;
const LISTED = 5;

/** Pairs of the project's latest versions that nearly repeat each other, most similar first. */
async function nearDuplicates(memory: Memory, project: string, latest: ContextVersion[]): Promise<NearDuplicatePair[]> {
  const byLabel = new Map(latest.map((c) => [c.label, c]));
  return confirmPairs(await memory.contexts.pairsSharingBand(project), byLabel);
}

const pairLine = (p: NearDuplicatePair) =>
  `- ${p.a.label} v${p.a.version} ≈ ${p.b.label} v${p.b.version} (${percent(p.similarity)}): merge with update_context topic="${p.a.label}", then unlock_context topic="${p.b.label}"`;
const pairData = (p: NearDuplicatePair) => ({
  a: { label: p.a.label, version: p.a.version },
  b: { label: p.b.label, version: p.b.version },
  similarity: Math.floor(p.similarity * 100) / 100,
});

const PRIORITY_FILTER = {
  type: 'list',
  description: 'Only these priorities (array or comma-separated): always_check, important, reference.',
  maxItems: 3,
  maxItemLength: 20,
  enum: PRIORITIES,
  lowercase: true,
} as const;

export const searchContexts = defineTool({
  name: 'search_contexts',
  title: 'Search contexts',
  description:
    'Ranked full-text search over the latest version of every context in the project (topics weigh most, then tags, ' +
    'then text). Case-insensitive, stems English words, ignores stopwords (the, a, of, ...: a query of only those finds nothing); ' +
    'all words must match, or any if none match all. Filter by priority and tags. Returns topics with snippets: recall_context reads one in full.',
  args: {
    query: { type: 'string', description: 'Words to look for, e.g. "rate limit retries".', required: true, minLength: 1, maxLength: 500 },
    priority: PRIORITY_FILTER,
    tags: { ...TAGS, description: 'Only contexts with any of these tags.' },
    limit: { type: 'integer', description: 'Most results to return (1-50, default 10).', minimum: 1, maximum: 50 },
  },
  project: 'required',
  readOnly: true,
  async run({ args, project, memory }) {
    const outcome = await memory.search.search(project, args.query, { priorities: args.priority, tags: args.tags }, args.limit ?? 10);
    const lines = outcome.hits.map((hit, i) => `${i + 1}. ${contextHeading(hit)} — ${hit.snippet}`);
    const how = outcome.matched === 'any' ? ' (no context has all the words; these have some)' : '';
    const ignored = ignoredWords(args.query);
    return {
      text:
        outcome.terms.length === 0
          ? `Nothing to search for: "${args.query}" has only words that search ignores (${ignored.join(', ') || 'no letters or digits'}). ` +
            'Add a word that says what you are looking for, or use explore_context_tree to see every topic.'
          : outcome.hits.length === 0
            ? `No context in "${project}" matches "${args.query}"${outcome.terms.length > 0 ? ` (searched for: ${outcome.terms.join(', ')})` : ''}. Try other words or explore_context_tree.`
            : `${plural(outcome.hits.length, 'result')} for "${args.query}"${how}:\n${lines.join('\n')}`,
      data: {
        query: args.query,
        terms: outcome.terms,
        ignored,
        matched: outcome.matched,
        results: outcome.hits.map((hit) => ({ ...hit, createdAt: iso(hit.createdAt) })),
      },
      summary: `searched "${args.query.slice(0, 60)}" (${plural(outcome.hits.length, 'result')})`,
      effects: { searched: [args.query] },
    };
  },
});

const NO_PREFIX = '';

/** Groups labels by their first path segment ("deploy/rules" -> "deploy"); others share one group. */
function groupOf(label: string): string {
  const match = /^(.+?)[/:.]/.exec(label);
  return match ? match[1]! : NO_PREFIX;
}

export const exploreContextTree = defineTool({
  name: 'explore_context_tree',
  title: 'Explore contexts',
  description:
    'Lists every live context of the project as a tree grouped by topic prefix ("deploy/rules" is under "deploy"), ' +
    'with versions, priority and tags. Use it to see what memory exists before searching or recalling.',
  args: {
    prefix: { type: 'string', description: 'Only topics starting with this text.', maxLength: 200 },
    priority: PRIORITY_FILTER,
  },
  project: 'required',
  readOnly: true,
  async run({ args, project, memory }) {
    const counts = await memory.contexts.versionCounts(project);
    const priorities = args.priority;
    const contexts = (await memory.contexts.latestOfProject(project)).filter(
      (c) => (!args.prefix || c.label.startsWith(args.prefix)) && (!priorities?.length || priorities.includes(c.priority)),
    );
    const groups = new Map<string, ContextVersion[]>();
    for (const context of contexts) {
      const group = groupOf(context.label);
      groups.set(group, [...(groups.get(group) ?? []), context]);
    }
    const lines: string[] = [];
    // Named groups first, alphabetically; topics without a prefix last.
    const ordered = [...groups.entries()].sort(([a], [b]) => (a === NO_PREFIX ? 1 : b === NO_PREFIX ? -1 : a.localeCompare(b)));
    for (const [group, members] of ordered) {
      lines.push(`${group === NO_PREFIX ? 'Other topics' : `${group}/`} (${members.length})`);
      for (const c of members) lines.push(`  ${contextHeading(c)}, ${plural(counts.get(c.label) ?? 1, 'version')}`);
    }
    return {
      text:
        contexts.length === 0
          ? `No contexts in "${project}"${args.prefix ? ` starting with "${args.prefix}"` : ''} yet.`
          : `${plural(contexts.length, 'context')} in "${project}":\n${lines.join('\n')}`,
      data: {
        groups: [...groups.entries()].map(([name, members]) => ({
          name: name === NO_PREFIX ? null : name,
          contexts: members.map((c) => ({ label: c.label, version: c.version, versions: counts.get(c.label) ?? 1, priority: c.priority, tags: c.tags })),
        })),
        total: contexts.length,
      },
      summary: `explored ${plural(contexts.length, 'context')}`,
    };
  },
});

export const contextDashboard = defineTool({
  name: 'context_dashboard',
  title: 'Context dashboard',
  description:
    'An overview of the project memory: counts by priority, the always_check rules, most used tags, the latest changes, ' +
    'recent decisions and todos, and the last handover.',
  args: {},
  project: 'required',
  readOnly: true,
  async run({ project, memory }) {
    const now = memory.clock.now();
    const latest = await memory.contexts.latestOfProject(project);
    const rules = latest.filter((c) => c.priority === 'always_check');
    const tagCounts = new Map<string, number>();
    for (const c of latest) for (const tag of c.tags) tagCounts.set(tag, (tagCounts.get(tag) ?? 0) + 1);
    const topTags = [...tagCounts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10);
    const recent = [...latest].sort((a, b) => b.createdAt - a.createdAt).slice(0, 8);
    const notes = await memory.notes.recent(project, 10);
    const handover = (await handoverForReader(memory, project))?.handover;
    const count = (p: Priority) => latest.filter((c) => c.priority === p).length;
    // A lean memory: what nobody read in a long time, the largest texts, and near-duplicates, each with the call that tidies it.
    const reads = await memory.contexts.lastReads(project!);
    const lastTouch = (c: ContextVersion) => Math.max(c.createdAt, reads.get(c.label) ?? 0);
    const unread = latest.filter((c) => now - lastTouch(c) >= UNREAD_DAYS * DAY_MS).sort((a, b) => lastTouch(a) - lastTouch(b) || (a.label < b.label ? -1 : 1));
    const largest = [...latest].sort((a, b) => b.content.length - a.content.length || (a.label < b.label ? -1 : 1)).slice(0, LISTED);
    const duplicates = await nearDuplicates(memory, project!, latest);
    const text = [
      `Project "${project}": ${plural(latest.length, 'context')} — ${count('always_check')} always_check, ${count('important')} important, ${count('reference')} reference.`,
      `Always check (${rules.length}): ${rules.length === 0 ? 'none' : rules.map((r) => r.label).join(', ')}`,
      `Top tags: ${topTags.length === 0 ? 'none' : topTags.map(([t, n]) => `${t} (${n})`).join(', ')}`,
      `Latest changes:\n${recent.map((c) => `- ${contextHeading(c)}, ${minutesAgo(now, c.createdAt)}`).join('\n') || '- none'}`,
      `Recent notes:\n${notes.map((n) => `- ${n.kind}: ${preview(n.text, 120)}`).join('\n') || '- none'}`,
      `Last handover: ${handover ? `${handover.clientName}, ${iso(handover.endedAt)}` : 'none yet'}`,
      `Not read in ${UNREAD_DAYS}+ days (${unread.length}; archive with unlock_context topic="..."):\n` +
        (unread
          .slice(0, LISTED)
          .map(
            (c) =>
              `- ${c.label} v${c.version}: last read ${reads.has(c.label) ? minutesAgo(now, reads.get(c.label)!) : `never (locked ${minutesAgo(now, c.createdAt)})`}`,
          )
          .join('\n') || '- none'),
      `Largest:\n${largest.map((c) => `- ${c.label} v${c.version}: ${plural(c.content.length, 'character')}`).join('\n') || '- none'}`,
      `Near-duplicates (${duplicates.length}):\n${duplicates.slice(0, LISTED).map(pairLine).join('\n') || '- none'}`,
    ].join('\n');
    return {
      text,
      data: {
        counts: { total: latest.length, always_check: count('always_check'), important: count('important'), reference: count('reference') },
        alwaysCheck: rules.map((r) => r.label),
        topTags: topTags.map(([tag, n]) => ({ tag, count: n })),
        recent: recent.map((c) => ({ label: c.label, version: c.version, createdAt: iso(c.createdAt) })),
        notes: notes.map((n) => ({ kind: n.kind, text: n.text, createdAt: iso(n.createdAt) })),
        lastHandover: handover ? { id: handover.id, client: handover.clientName, endedAt: iso(handover.endedAt) } : null,
        unread: unread.map((c) => ({
          label: c.label,
          version: c.version,
          lastReadAt: reads.has(c.label) ? iso(reads.get(c.label)!) : null,
          createdAt: iso(c.createdAt),
        })),
        largest: largest.map((c) => ({ label: c.label, version: c.version, characters: c.content.length })),
        nearDuplicates: duplicates.map(pairData),
      },
      summary: 'viewed the dashboard',
    };
  },
});

export const checkContexts = defineTool({
  name: 'check_contexts',
  title: 'Check rules',
  description:
    'Before an action (a deploy, a migration, a refactor, sending a message), shows which always_check rules apply to it: ' +
    'rules that share words with the action first, then the other rules, so none is missed.',
  args: {
    action: {
      type: 'string',
      description: 'The planned action in a sentence, e.g. "deploy the API to production".',
      required: true,
      minLength: 1,
      maxLength: 2_000,
    },
  },
  project: 'required',
  readOnly: true,
  async run({ args, project, memory }) {
    const rules = (await memory.contexts.latestOfProject(project)).filter((c) => c.priority === 'always_check');
    const relevant = new Set((await memory.search.search(project, args.action, { priorities: ['always_check'] }, 50)).hits.map((h) => h.label));
    const terms = searchTerms(args.action);
    const matching = rules.filter((r) => relevant.has(r.label));
    const others = rules.filter((r) => !relevant.has(r.label));
    // Two rules saying nearly the same thing drift apart when one is updated: worth merging.
    const duplicates = rules.length < 2 ? [] : await nearDuplicates(memory, project!, rules);
    const text =
      rules.length === 0
        ? `Project "${project}" has no always_check rules. Nothing to check for: ${args.action}`
        : [
            `${matching.length} of ${plural(rules.length, 'always_check rule')} ${matching.length === 1 ? 'mentions' : 'mention'} this action (${terms.join(', ') || 'it has no words to match'}):`,
            ...matching.map((r) => `## ${contextHeading(r)}\n${r.content}`),
            others.length > 0
              ? `\nOther always_check rules (read them if they might apply):\n${others.map((r) => `- ${r.label}: ${preview(r.content, 160)}`).join('\n')}`
              : '',
            duplicates.length > 0 ? `\nNear-duplicate rules:\n${duplicates.map(pairLine).join('\n')}` : '',
          ]
            .filter((part) => part !== '')
            .join('\n');
    return {
      text: text.trim(),
      data: {
        action: args.action,
        applicable: matching.map((r) => ({ label: r.label, version: r.version, content: r.content })),
        otherRules: others.map((r) => ({ label: r.label, version: r.version })),
        nearDuplicates: duplicates.map(pairData),
      },
      summary: `checked rules for "${args.action.slice(0, 60)}" (${matching.length} apply)`,
      effects: { recalled: matching.map((r) => ({ label: r.label, version: r.version })) },
    };
  },
});
