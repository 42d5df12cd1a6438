import type { ListResourcesResult, ReadResourceResult, Resource, ResourceTemplateType } from '@modelcontextprotocol/server';
import { UserError } from '../errors.ts';
import type { Memory } from '../memory/memory.ts';
import type { CallPipeline, CallWork, WorkDone } from '../sessions/call-pipeline.ts';
import { handoverForReader } from '../sessions/handover-choice.ts';
import { resolveProject, requireExistingProject } from '../sessions/project-resolver.ts';
import type { ContextVersion, Priority } from '../store/context-version.ts';
import type { Handover } from '../store/handovers.ts';
import { contextHeading, iso, plural, preview } from '../text/format.ts';
import type { Caller } from '../sessions/caller.ts';
import type { ProjectScope } from '../sessions/recorded-call.ts';
import { protocolErrorOf } from './protocol-errors.ts';
import { contextUri, handoverUri, parseResourceUri, PROJECTS_URI, TEMPLATES, type ResourceAddress } from './resource-uri.ts';

/** The operation name reads are recorded under in the activity log and the work session. */
export const READ_OPERATION = 'resources/read';

/** Resources per resources/list page. */
export const PAGE_SIZE = 200;

const MIME = 'text/plain';
const AUDIENCE: ('user' | 'assistant')[] = ['user', 'assistant'];
const PRIORITY_WEIGHT: Record<Priority, number> = { always_check: 1, important: 0.8, reference: 0.4 };
const PRIORITY_ORDER: Record<Priority, number> = { always_check: 0, important: 1, reference: 2 };

const PROJECTS_RESOURCE: Resource = {
  uri: PROJECTS_URI,
  name: 'projects',
  title: 'Projects',
  description: 'The memory projects, their context counts, and which one this client works on.',
  mimeType: MIME,
  annotations: { audience: AUDIENCE, priority: 0.2 },
};

const RESOURCE_TEMPLATES: ResourceTemplateType[] = [
  {
    uriTemplate: TEMPLATES.context,
    name: 'context',
    title: 'Context (latest version)',
    description: 'The latest version of a locked context of any project, e.g. dementia://projects/webshop/contexts/api-style. Encode "/" in a label as %2F.',
    mimeType: MIME,
  },
  {
    uriTemplate: TEMPLATES.contextVersion,
    name: 'context-version',
    title: 'Context (one version)',
    description: 'One live version of a locked context, e.g. dementia://projects/webshop/contexts/api-style/versions/2.',
    mimeType: MIME,
  },
  {
    uriTemplate: TEMPLATES.handover,
    name: 'handover',
    title: 'Last handover',
    description: 'The last handover of a project: what the previous work session did, changed, decided and left open.',
    mimeType: MIME,
  },
];

function contextResource(context: ContextVersion): Resource {
  return {
    uri: contextUri(context.project, context.label),
    name: context.label,
    title: `${context.label} (${context.priority})`,
    description: `v${context.version}${context.tags.length > 0 ? ` [${context.tags.join(', ')}]` : ''}: ${preview(context.content, 160)}`,
    mimeType: MIME,
    size: Buffer.byteLength(context.content, 'utf8'),
    annotations: { audience: AUDIENCE, priority: PRIORITY_WEIGHT[context.priority], lastModified: iso(context.createdAt) },
  };
}

function handoverResource(handover: Handover): Resource {
  return {
    uri: handoverUri(handover.project),
    name: 'handover',
    title: `Last handover of ${handover.project}`,
    description: `From ${handover.clientName}, ended ${iso(handover.endedAt)}.`,
    mimeType: MIME,
    annotations: { audience: AUDIENCE, priority: 1, lastModified: iso(handover.endedAt) },
  };
}

const byImportance = (a: ContextVersion, b: ContextVersion): number =>
  PRIORITY_ORDER[a.priority] - PRIORITY_ORDER[b.priority] || a.label.localeCompare(b.label);

function pageStart(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const start = /^\d{1,9}$/.test(cursor) ? Number(cursor) : NaN;
  if (Number.isNaN(start)) {
    throw new UserError('INVALID_CURSOR', `"${cursor.slice(0, 40)}" is not a cursor of resources/list.`, 'Pass the nextCursor of the previous page, or none.');
  }
  return start;
}

/**
 * The memory as MCP resources (docs/design.md section 12): the caller's project is listed (resolved per
 * invariant 1, like tools), any project of the tenant is readable by URI. Reads are recorded in the
 * work session like tool calls; listing is not (clients list on every connect, which is not work).
 */
export class ResourceService {
  private readonly pipeline: CallPipeline;

  constructor(pipeline: CallPipeline) {
    this.pipeline = pipeline;
  }

  templates(): ResourceTemplateType[] {
    return RESOURCE_TEMPLATES;
  }

  /** The caller's project as resources, and which project that was (null: none selected). */
  async list(caller: Caller, cursor: string | undefined): Promise<{ result: ListResourcesResult; project: string | null }> {
    const memory = this.pipeline.memoryOf(caller);
    try {
      const start = pageStart(cursor);
      // One transaction: a consistent listing. A pin naming no project lists no project (like list_projects).
      const listed = await memory.transaction(async (tx) => {
        const project = await resolveProject(tx, caller, undefined, true);
        if (!project) return { project: null, resources: [PROJECTS_RESOURCE] };
        const handover = (await handoverForReader(tx, project.name))?.handover;
        const contexts = [...(await tx.contexts.latestOfProject(project.name))].sort(byImportance);
        return {
          project: project.name,
          resources: [PROJECTS_RESOURCE, ...(handover ? [handoverResource(handover)] : []), ...contexts.map(contextResource)],
        };
      });
      const page = listed.resources.slice(start, start + PAGE_SIZE);
      const next = start + PAGE_SIZE < listed.resources.length ? String(start + PAGE_SIZE) : undefined;
      return { result: { resources: page, ...(next ? { nextCursor: next } : {}) }, project: listed.project };
    } catch (error) {
      throw protocolErrorOf(this.pipeline.userError(error, 'resources/list'));
    }
  }

  /** Reads one resource of any project of the caller's tenant, recorded in that project's work session. */
  async read(caller: Caller, uri: string): Promise<ReadResourceResult> {
    let address: ResourceAddress;
    try {
      address = parseResourceUri(uri);
    } catch (error) {
      throw protocolErrorOf(await this.pipeline.fail(caller, READ_OPERATION, error), uri);
    }
    const work: CallWork<string> =
      address.kind === 'projects'
        ? { project: 'optional', run: (tx, scope) => this.readProjects(tx, scope.project?.name ?? null) }
        : { project: 'required', run: (tx, scope) => this.readOfProject(tx, address, scope, uri) };
    const explicit = address.kind === 'projects' ? undefined : address.project;
    const run = await this.pipeline.run(caller, { operation: READ_OPERATION, args: { uri }, explicit, writes: false }, work);
    switch (run.kind) {
      case 'failed':
        throw protocolErrorOf(run.error, uri);
      // Unreachable for a project of the URI (it is explicit); the project list takes none.
      case 'no-project':
        throw protocolErrorOf(new UserError('PROJECT_SELECTION_REQUIRED', 'No project selected.'), uri);
      case 'done':
      case 'replayed':
        return { contents: [{ uri, mimeType: MIME, text: run.value }] };
    }
  }

  /** A context or the handover of the URI's project, read in its work session. */
  private async readOfProject(
    tx: Memory,
    address: Exclude<ResourceAddress, { kind: 'projects' }>,
    scope: ProjectScope,
    uri: string,
  ): Promise<WorkDone<string>> {
    const project = scope.project.name;
    if (address.kind === 'handover') {
      const read = await this.readHandover(tx, project, uri);
      if (!scope.session.handoverAnnounced) await tx.sessions.markHandoverAnnounced(scope.session.id);
      return read;
    }
    const context = await tx.contexts.require(project, address.label, address.version);
    const text = `${contextHeading(context)} of project "${project}", locked ${iso(context.createdAt)}\n\n${context.content}`;
    return {
      value: text,
      summary: `read resource ${context.label} v${context.version}`,
      effects: { recalled: [{ label: context.label, version: context.version }] },
    };
  }

  /** Reads a URI; a bad one is an invalid-params error. */
  address(uri: string): ResourceAddress {
    try {
      return parseResourceUri(uri);
    } catch (error) {
      throw protocolErrorOf(error as UserError, uri);
    }
  }

  /** Checks that `uri` can be subscribed to: a Dementia URI of an existing project. Returns its address. */
  async checkSubscribable(caller: Caller, uri: string): Promise<ResourceAddress> {
    try {
      const address = parseResourceUri(uri);
      if (address.kind !== 'projects') await requireExistingProject(this.pipeline.memoryOf(caller), address.project);
      return address;
    } catch (error) {
      throw protocolErrorOf(this.pipeline.userError(error, 'resources/subscribe'), uri);
    }
  }

  private async readProjects(memory: Memory, current: string | null): Promise<{ value: string; summary: string }> {
    const projects = await memory.projects.list();
    const lines = projects.map(
      (p) => `${p.name === current ? '* ' : '- '}${p.name}: ${plural(p.contextCount, 'context')}${p.description ? ` — ${p.description}` : ''}`,
    );
    const text =
      projects.length === 0
        ? 'There are no projects yet. Create one with create_project(name="...").'
        : `${plural(projects.length, 'project')}${current ? ` (* = this client's project)` : ''}:\n${lines.join('\n')}\n\n` +
          (current
            ? `This client works on "${current}". Another project's contexts are readable as dementia://projects/{project}/contexts/{label}.`
            : 'No project is selected for this client: select one with select_project_for_session(project_name="...").');
    return { value: text, summary: `read the project list (${projects.length})` };
  }

  private async readHandover(memory: Memory, project: string, uri: string): Promise<WorkDone<string>> {
    const handover = (await handoverForReader(memory, project))?.handover;
    if (!handover) {
      throw new UserError(
        'NO_HANDOVER',
        `Project "${project}" has no handover yet (${uri}).`,
        'One is written when a work session ends (end_session or the idle timeout).',
      );
    }
    return { value: handover.summary, summary: `read the handover from ${handover.clientName}` };
  }
}
