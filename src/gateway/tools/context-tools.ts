import { UserError } from '../errors.ts';
import { maskedNotice } from '../secret-scan/screen.ts';
import { PRIORITIES, type ContextVersion, type Priority } from '../store/context-version.ts';
import type { ListSpec, StringSpec } from './args.ts';
import { contextData, contextHeading, iso, plural, preview } from '../text/format.ts';
import { defineTool, type ToolContext } from './tool.ts';
import { confirmSimilar, percent, type SimilarContext } from '../store/near-duplicates.ts';

/** Content limit per version: large enough for a long spec, small enough to keep search fast. */
export const MAX_CONTENT_BYTES = 1024 * 1024;

const TOPIC: StringSpec & { required: true } = {
  type: 'string',
  description: 'The label of the context, e.g. "api_design" or "deploy/rules". Versions are kept per label.',
  required: true,
  minLength: 1,
  maxLength: 200,
};
const CONTENT: StringSpec & { required: true } = {
  type: 'string',
  description: 'The text to remember, complete: each version is immutable and stands alone.',
  required: true,
  minLength: 1,
  maxBytes: MAX_CONTENT_BYTES,
  trim: false,
};
const PRIORITY = {
  type: 'string',
  description:
    'always_check: a rule to check before acting (surfaced by check_contexts, archiving needs force). ' +
    "important: a key decision or spec. reference: background. Omitted: the latest version's priority (reference for a new topic).",
  enum: PRIORITIES,
} satisfies StringSpec;
export const TAGS: ListSpec = {
  type: 'list',
  description: 'Tags as an array or a comma-separated string, e.g. ["api", "auth"]. Omitted: the latest version\'s tags; [] clears them.',
  maxItems: 32,
  maxItemLength: 64,
  lowercase: true,
};
const PREVIEW_ONLY = {
  type: 'boolean',
  description: 'Return only the first 400 characters (to check relevance before reading it all).',
} as const;

/** What lock_context checks of a version's text, label and tags; imports check the same. */
export const LOCK_ARGS = { topic: TOPIC, content: CONTENT, tags: TAGS };

/**
 * Locks a new version. Priority and tags not given are the latest version's (a rule re-locked
 * without its priority stays a rule); a new topic starts as reference without tags.
 */
async function lockOne(call: ToolContext<'required'>, label: string, content: string, priority: Priority | undefined, tags: string[] | undefined) {
  if (content.trim() === '') {
    throw new UserError('INVALID_ARGUMENTS', `\`content\` of "${label}" is only white space.`, 'Pass the text to remember.');
  }
  return call.memory.contexts.lock(call.project, label, content, priority, tags, {
    clientId: call.caller.client.id,
    sessionId: call.session.id,
  });
}

/** "Very similar to `deploy/rules` v3 (94%): update that one instead?" */
function similarText(similar: SimilarContext[]): string {
  if (similar.length === 0) return '';
  const [first, ...more] = similar;
  const also =
    more.length > 0
      ? ` (also ${more
          .slice(0, 3)
          .map((s) => `\`${s.label}\` v${s.version} (${percent(s.similarity)})`)
          .join(', ')})`
      : '';
  return (
    `\nVery similar to \`${first!.label}\` v${first!.version} (${percent(first!.similarity)})${also}: update that one instead? ` +
    `(update_context topic="${first!.label}", then unlock_context this one.) Saved anyway.`
  );
}

export const lockContext = defineTool({
  name: 'lock_context',
  title: 'Lock context',
  description:
    'Saves a piece of project memory as a new immutable version of `topic` (v1, v2, ...; earlier versions stay). ' +
    'Use it for decisions, specs, rules and facts worth keeping beyond this conversation. Locking the same text again ' +
    'changes nothing. A new version keeps the priority and tags of the latest one unless you pass them.',
  args: { content: CONTENT, topic: TOPIC, priority: PRIORITY, tags: TAGS },
  project: 'required',
  readOnly: false,
  readsAhead: (args) => [{ kind: 'near-duplicates', label: args.topic, content: args.content }],
  async run(call) {
    const { args } = call;
    // Other topics whose latest text this nearly repeats (the same fact under a new name), looked up
    // before the write: a store that serialises a tenant's writes (hosted Postgres) would otherwise
    // hold that lock through the lookup.
    const candidates = await call.memory.contexts.sharingBand(call.project, args.topic, args.content);
    const result = await lockOne(call, args.topic, args.content, args.priority, args.tags);
    const priority = result.context.priority;
    const heading = contextHeading(result.context);
    const similar: SimilarContext[] = result.created ? confirmSimilar(result.context.content, candidates) : [];
    return {
      text: result.created
        ? `Locked ${heading}${result.previousVersion ? `, replacing v${result.previousVersion} as latest` : ''}.${maskedNotice(args.content, result.context.content)}${similarText(similar)}`
        : `Unchanged: ${heading} already has exactly this content, priority and tags.`,
      data: {
        context: contextData(result.context, false),
        created: result.created,
        ...(similar.length > 0
          ? { similar: similar.map((s) => ({ label: s.label, version: s.version, similarity: Math.floor(s.similarity * 100) / 100 })) }
          : {}),
      },
      summary: result.created ? `locked ${result.context.label} v${result.context.version}` : `re-locked ${result.context.label} (unchanged)`,
      effects: result.created ? { locked: [{ label: result.context.label, version: result.context.version, priority }] } : {},
    };
  },
});

export const updateContext = defineTool({
  name: 'update_context',
  title: 'Update context',
  description:
    'Makes a new version of an existing context from its latest version, changing only what you pass: new content, ' +
    'text to append, priority or tags. Earlier versions stay.',
  args: {
    topic: TOPIC,
    content: { ...CONTENT, required: false },
    append: { type: 'string', description: 'Text to add at the end of the latest content.', maxBytes: MAX_CONTENT_BYTES, trim: false },
    priority: PRIORITY,
    tags: TAGS,
  },
  project: 'required',
  readOnly: false,
  async run(call) {
    const { args, memory, project } = call;
    if (args.content !== undefined && args.append !== undefined) {
      throw new UserError('INVALID_ARGUMENTS', 'update_context: pass either `content` or `append`, not both.', 'Drop one of them.');
    }
    const latest = await memory.contexts.require(project, args.topic);
    const content = args.content ?? (args.append !== undefined ? `${latest.content}\n${args.append}` : latest.content);
    if (Buffer.byteLength(content, 'utf8') > MAX_CONTENT_BYTES) {
      throw new UserError('INVALID_ARGUMENTS', 'update_context: the updated content would exceed 1 MB.', 'Lock the addition under a new topic.');
    }
    const priority = args.priority ?? latest.priority;
    const result = await lockOne(call, latest.label, content, priority, args.tags ?? latest.tags);
    return {
      text: result.created
        ? `Updated ${latest.label}: v${latest.version} -> ${contextHeading(result.context)}.${maskedNotice(content, result.context.content)}`
        : `Nothing to update: ${contextHeading(latest)} already has this content, priority and tags.`,
      data: { context: contextData(result.context, false), created: result.created },
      summary: result.created ? `updated ${latest.label} to v${result.context.version}` : `update of ${latest.label} changed nothing`,
      effects: result.created ? { locked: [{ label: latest.label, version: result.context.version, priority }] } : {},
    };
  },
});

function recallText(context: ContextVersion, previewOnly: boolean, versions: number[]): string {
  const others = versions.filter((v) => v !== context.version);
  return (
    `${contextHeading(context)}, locked ${iso(context.createdAt)}` +
    (others.length > 0 ? ` (other versions: ${others.join(', ')})` : '') +
    `\n\n${previewOnly ? preview(context.content) : context.content}`
  );
}

export const recallContext = defineTool({
  name: 'recall_context',
  title: 'Recall context',
  description:
    'Reads a context by its topic: the latest version, or a given one. Use preview_only to check relevance first. ' +
    'If you do not know the exact topic, use search_contexts.',
  args: {
    topic: TOPIC,
    version: { type: 'version', description: 'A version number, or "latest" (default).', words: ['latest'] },
    preview_only: PREVIEW_ONLY,
  },
  project: 'required',
  readOnly: true,
  readsAhead: (args) => [{ kind: 'versions', label: args.topic }],
  async run({ args, project, memory }) {
    const selector = args.version ?? 'latest';
    // One read of the label's versions (newest first) answers both; `require` only explains a miss.
    const all = await memory.contexts.versions(project, args.topic);
    const context =
      (selector === 'latest' ? all[0] : all.find((v) => v.version === selector)) ?? (await memory.contexts.require(project, args.topic, selector));
    const versions = all.map((v) => v.version);
    return {
      text: recallText(context, args.preview_only ?? false, versions),
      data: { context: contextData(context, !args.preview_only), versions, preview: args.preview_only ? preview(context.content) : undefined },
      summary: `recalled ${context.label} v${context.version}`,
      effects: { recalled: [{ label: context.label, version: context.version }] },
    };
  },
});

export const unlockContext = defineTool({
  name: 'unlock_context',
  title: 'Unlock (archive) context',
  description:
    'Archives versions of a context: they leave search and recall but can be brought back with restore_context. ' +
    'version: a number, "latest", or "all" (default). always_check contexts need force: true.',
  args: {
    topic: TOPIC,
    version: { type: 'version', description: 'A version number, "latest" or "all" (default).', words: ['latest', 'all'] },
    force: { type: 'boolean', description: 'Required to archive always_check contexts.' },
  },
  project: 'required',
  readOnly: false,
  destructive: true,
  async run({ args, project, session, caller, memory }) {
    const selector = args.version ?? 'all';
    const archived = await memory.contexts.archive(project, args.topic, selector, args.force ?? false, {
      clientId: caller.client.id,
      sessionId: session.id,
    });
    const latest = await memory.contexts.get(project, args.topic);
    return {
      text:
        `Archived ${args.topic} version ${archived.map((a) => a.version).join(', ')}. ` +
        (latest ? `The latest live version is now v${latest.version}.` : 'No live version is left.') +
        ` Undo with restore_context(topic="${args.topic}").`,
      data: { archived: archived.map((a) => ({ label: a.label, version: a.version })), latestVersion: latest?.version ?? null },
      summary: `archived ${args.topic} v${archived.map((a) => a.version).join(',')}`,
      effects: { archived: archived.map((a) => ({ label: a.label, version: a.version })) },
    };
  },
});

export const restoreContext = defineTool({
  name: 'restore_context',
  title: 'Restore context',
  description: 'Brings archived versions of a context back, under their original version numbers.',
  args: {
    topic: TOPIC,
    version: { type: 'version', description: 'An archived version number, "latest" (default) or "all".', words: ['latest', 'all'] },
  },
  project: 'required',
  readOnly: false,
  async run({ args, project, memory }) {
    const restored = await memory.contexts.restore(project, args.topic, args.version ?? 'latest');
    const latest = await memory.contexts.get(project, args.topic);
    return {
      text: `Restored ${args.topic} version ${restored.map((r) => r.version).join(', ')}; the latest is v${latest?.version}.`,
      data: { restored: restored.map((r) => r.version), latestVersion: latest?.version ?? null },
      summary: `restored ${args.topic} v${restored.map((r) => r.version).join(',')}`,
      effects: { restored: restored.map((r) => ({ label: r.label, version: r.version })) },
    };
  },
});

export const batchLockContexts = defineTool({
  name: 'batch_lock_contexts',
  title: 'Lock several contexts',
  description: 'Locks up to 100 contexts at once, atomically: if any item is invalid, none is saved and the error names the item.',
  args: {
    contexts: {
      type: 'objects',
      description: "The contexts to lock, each with content, topic, and optional priority and tags (omitted: those of the topic's latest version).",
      required: true,
      minItems: 1,
      maxItems: 100,
      items: { content: CONTENT, topic: TOPIC, priority: PRIORITY, tags: TAGS },
    },
  },
  project: 'required',
  readOnly: false,
  async run(call) {
    const results = [];
    for (const [index, item] of call.args.contexts.entries()) {
      try {
        results.push(await lockOne(call, item.topic, item.content, item.priority, item.tags));
      } catch (error) {
        if (error instanceof UserError) {
          throw new UserError(error.code, `contexts[${index}] ("${item.topic}"): ${error.message} Nothing in the batch was saved.`, error.fix, {
            ...error.details,
            item: index,
          });
        }
        throw error;
      }
    }
    const created = results.filter((r) => r.created);
    return {
      text: `Locked ${created.length} of ${plural(results.length, 'context')}${created.length < results.length ? ' (the rest were unchanged)' : ''}:\n${results
        .map(
          (r, index) =>
            `- ${contextHeading(r.context)}${r.created ? '' : ' (unchanged)'}${maskedNotice(call.args.contexts[index]!.content, r.context.content)}`,
        )
        .join('\n')}`,
      data: { contexts: results.map((r) => ({ ...contextData(r.context, false), created: r.created })) },
      summary: `batch-locked ${plural(created.length, 'context')}`,
      effects: { locked: created.map((r) => ({ label: r.context.label, version: r.context.version, priority: r.context.priority })) },
    };
  },
});

export const batchRecallContexts = defineTool({
  name: 'batch_recall_contexts',
  title: 'Recall several contexts',
  description: 'Reads the latest version of up to 50 topics at once. Missing topics are listed, not fatal.',
  args: {
    topics: { type: 'list', description: 'Topics as an array or comma-separated string.', required: true, maxItems: 50, maxItemLength: 200 },
    preview_only: PREVIEW_ONLY,
  },
  project: 'required',
  readOnly: true,
  async run({ args, project, memory }) {
    if (args.topics.length === 0) {
      throw new UserError('INVALID_ARGUMENTS', 'batch_recall_contexts: `topics` is empty.', 'Pass at least one topic.');
    }
    const found: ContextVersion[] = [];
    const missing: string[] = [];
    for (const topic of args.topics) {
      const context = await memory.contexts.get(project, topic);
      if (context) found.push(context);
      else missing.push(topic);
    }
    const previewOnly = args.preview_only ?? false;
    const text =
      found.map((c) => `## ${contextHeading(c)}\n${previewOnly ? preview(c.content) : c.content}`).join('\n\n') +
      (missing.length > 0 ? `\n\nNot found: ${missing.join(', ')} (search_contexts finds contexts by their text).` : '');
    return {
      text: text.trim(),
      data: { contexts: found.map((c) => contextData(c, !previewOnly)), missing },
      summary: `recalled ${plural(found.length, 'context')}`,
      effects: { recalled: found.map((c) => ({ label: c.label, version: c.version })) },
    };
  },
});
