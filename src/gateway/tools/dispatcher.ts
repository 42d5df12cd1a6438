import { ProtocolError, ProtocolErrorCode, type CallToolResult, type Tool } from '@modelcontextprotocol/server';
import { UserError } from '../errors.ts';
import type { Memory } from '../memory/memory.ts';
import { sha256Hex } from '../secrets.ts';
import { handoverForReader } from '../sessions/handover-choice.ts';
import { CallPipeline, type AppliedOnce, type CallWork, type WorkDone } from '../sessions/call-pipeline.ts';
import type { CallEvents, CallScope } from '../sessions/recorded-call.ts';
import type { WorkSessionService } from '../sessions/work-session-service.ts';
import type { Handover } from '../store/handovers.ts';
import type { ProjectSummary } from '../store/projects.ts';
import type { WorkSession } from '../store/work-sessions.ts';
import { jsonSchemaOf } from './args.ts';
import { projectListing } from '../text/format.ts';
import { withProjectNote } from './project-arg.ts';
import type { Caller, ProjectMode } from '../sessions/caller.ts';
import type { AcceptedCall, ToolDefinition, ToolOutput, ToolWork } from './tool.ts';

const shortId = (id: string): string => id.slice(0, 8);

/** The `project` a call's raw arguments name, before they are validated; undefined when they name none. */
function namedProject(rawArgs: unknown): string | undefined {
  const named = rawArgs && typeof rawArgs === 'object' ? (rawArgs as Record<string, unknown>)['project'] : undefined;
  return typeof named === 'string' ? named : undefined;
}

export interface CallOptions {
  /**
   * Identifies this call among the client's calls (an Idempotency-Key, or session and JSON-RPC
   * id): a write call seen before under the same key, with the same tool and arguments, is
   * answered from its first execution.
   */
  callKey?: string | undefined;
}

interface RegisteredTool {
  definition: ToolDefinition;
  listing: Tool;
}

/** The first line's note when a call moved the selection: from what, and whether a pin still wins. */
function selectionNote(from: string | null, caller: Caller): string {
  const pinned = caller.pinnedProject ?? caller.client.pinnedProject;
  return (
    `now this client's selected project (was ${from ? `"${from}"` : 'none'})` +
    (pinned ? `; calls without \`project\` still go to its pinned project "${pinned}"` : '')
  );
}

/** Validates a tool call, runs it through the call pipeline and shapes the MCP result. */
export class ToolDispatcher {
  private readonly tools = new Map<string, RegisteredTool>();
  /** Write calls with a key, while they run (a few at a time: bounded by requests in flight). */
  private readonly running = new Map<string, { fingerprint: string; result: Promise<CallToolResult> }>();
  private readonly pipeline: CallPipeline;

  constructor(
    deps: (
      | { pipeline: CallPipeline }
      | {
          /** The memory a caller works in: the local store, or its tenant's schema when hosted. */
          memoryOf: (caller: Caller) => Memory;
          workSessions: WorkSessionService;
          events?: CallEvents;
        }
    ) & { tools: readonly ToolDefinition[] },
  ) {
    this.pipeline = 'pipeline' in deps ? deps.pipeline : new CallPipeline(deps);
    const definitions = deps.tools;
    for (const definition of definitions) {
      const listing: Tool = {
        name: definition.name,
        title: definition.title,
        description: definition.takesProject ? withProjectNote(definition.description, definition.readOnly) : definition.description,
        inputSchema: jsonSchemaOf(definition.shape) as Tool['inputSchema'],
        annotations: {
          title: definition.title,
          readOnlyHint: definition.readOnly,
          destructiveHint: definition.destructive,
          idempotentHint: definition.readOnly,
          openWorldHint: false,
        },
      };
      this.tools.set(definition.name, { definition, listing });
    }
  }

  list(): Tool[] {
    return [...this.tools.values()].map((tool) => tool.listing);
  }

  names(): string[] {
    return [...this.tools.keys()];
  }

  /**
   * Runs one tool call. A write call with a `callKey` is applied once: the same key with the same
   * tool and arguments again (a retry after a connection reset, a client resending its request)
   * is answered from the first execution instead of running again.
   */
  async call(name: string, rawArgs: unknown, caller: Caller, options: CallOptions = {}): Promise<CallToolResult> {
    const tool = this.tools.get(name);
    if (!tool) {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool "${String(name).slice(0, 80)}". Available tools: ${this.names().join(', ')}.`);
    }
    if (options.callKey === undefined || tool.definition.readOnly) return this.run(tool, name, rawArgs, caller, undefined);
    const once: AppliedOnce = { key: options.callKey, fingerprint: sha256Hex(`${name}\n${JSON.stringify(rawArgs ?? null)}`) };
    // A duplicate that arrives while the first is still running here waits for the first's answer.
    const slot = `${caller.client.id}\n${once.key}`;
    const running = this.running.get(slot);
    if (running?.fingerprint === once.fingerprint) return running.result;
    const result = this.run(tool, name, rawArgs, caller, once);
    this.running.set(slot, { fingerprint: once.fingerprint, result });
    try {
      return await result;
    } finally {
      if (this.running.get(slot)?.result === result) this.running.delete(slot);
    }
  }

  private async run(tool: RegisteredTool, name: string, rawArgs: unknown, caller: Caller, once: AppliedOnce | undefined): Promise<CallToolResult> {
    const { definition } = tool;
    let accepted: AcceptedCall;
    try {
      accepted = definition.accept(rawArgs);
    } catch (error) {
      // Refused before it ran (a bad argument): filed under the project it was meant for.
      const meantFor = definition.project === 'none' ? undefined : { explicit: namedProject(rawArgs) };
      return this.failure(await this.pipeline.fail(caller, name, error, meantFor), null, null);
    }
    const workSessions = this.pipeline.workSessions;
    const answer = async (tx: Memory, scope: CallScope, output: ToolOutput): Promise<WorkDone<CallToolResult>> => {
      const { session } = scope;
      const waiting = session && name !== 'get_last_handover' ? await this.handoverToAnnounce(tx, session) : undefined;
      if (session && !session.handoverAnnounced) await tx.sessions.markHandoverAnnounced(session.id);
      return { value: this.success(output, scope, waiting, caller, definition.project), summary: output.summary, effects: output.effects };
    };
    // Reading another project never moves the selection; writing to one does, and says so.
    const request = {
      operation: name,
      args: accepted.args,
      explicit: accepted.explicitProject,
      writes: !definition.readOnly,
      once,
      readsAhead: accepted.readsAhead,
    };
    const result = await this.pipeline.run(caller, request, pipelineWorkOf(accepted.work, caller, workSessions, answer));
    switch (result.kind) {
      case 'done':
      case 'replayed':
        return result.value;
      case 'no-project':
        return selectionRequired(name, result.projects);
      case 'failed':
        return this.failure(result.error, result.project, result.sessionId);
    }
  }

  /** A handover by another session on this project that this session has not been told about. */
  private async handoverToAnnounce(memory: Memory, session: WorkSession): Promise<Handover | undefined> {
    if (session.handoverAnnounced) return undefined;
    const latest = (await handoverForReader(memory, session.project))?.handover;
    return latest && latest.sessionId !== session.id ? latest : undefined;
  }

  private success(output: ToolOutput, scope: CallScope, waiting: Handover | undefined, caller: Caller, mode: ProjectMode): CallToolResult {
    const { project, session, started } = scope;
    const selection = scope.selected && project ? { from: scope.previousProject, to: project.name } : undefined;
    const header = scope.project
      ? `Project "${scope.project.name}" · work session ${shortId(scope.session.id)}${started ? ' (new)' : ''}${selection ? ` · ${selectionNote(selection.from, caller)}` : ''}`
      : mode === 'none'
        ? NO_PROJECT_HEADER
        : 'No project selected for this client.';
    const notice = waiting
      ? `\n\nA handover is waiting for this project: ${waiting.clientName} ended a session at ${new Date(waiting.endedAt).toISOString()}. Call get_last_handover to read what was done and what is left.`
      : '';
    return {
      content: [{ type: 'text', text: `${header}\n\n${output.text}${notice}` }],
      structuredContent: {
        ok: true,
        project: project?.name ?? null,
        projectSource: project?.source ?? null,
        ...(selection ? { selectionChanged: selection } : {}),
        workSession: session ? { id: session.id, started, startedAt: new Date(session.startedAt).toISOString() } : null,
        ...(waiting ? { handoverWaiting: { id: waiting.id, clientName: waiting.clientName, endedAt: new Date(waiting.endedAt).toISOString() } } : {}),
        ...output.data,
      },
    };
  }

  private failure(error: UserError, project: string | null, sessionId: string | null): CallToolResult {
    return {
      isError: true,
      content: [{ type: 'text', text: `Error ${error.code}: ${error.describe()}` }],
      structuredContent: {
        ok: false,
        error: { code: error.code, message: error.message, fix: error.fix ?? null, ...(error.details ?? {}) },
        project,
        workSession: sessionId ? { id: sessionId } : null,
      },
    };
  }
}

/**
 * A tool that works on the project list (create_project, delete_project) runs in no project's work
 * session, whatever this client has selected: its answer says so (invariant 2).
 */
const NO_PROJECT_HEADER = 'No project · no work session (this tool works on the project list, not inside a project).';

/** A tool's bound work as the pipeline runs it: with the project and work session its mode is given. */
function pipelineWorkOf<T>(
  work: ToolWork,
  caller: Caller,
  workSessions: WorkSessionService,
  answer: (tx: Memory, scope: CallScope, output: ToolOutput) => Promise<WorkDone<T>>,
): CallWork<T> {
  const base = { caller, workSessions };
  switch (work.project) {
    case 'required':
      return {
        project: 'required',
        run: async (tx, scope) => answer(tx, scope, await work.run({ ...base, project: scope.project.name, session: scope.session, memory: tx })),
      };
    case 'optional':
      return {
        project: 'optional',
        run: async (tx, scope) => answer(tx, scope, await work.run({ ...base, project: scope.project?.name ?? null, session: scope.session, memory: tx })),
      };
    case 'none':
      return { project: 'none', run: async (tx, scope) => answer(tx, scope, await work.run({ ...base, project: null, session: null, memory: tx })) };
  }
}

/** Invariant 1: no project means a clear, normal tool result listing the projects, never a guess. */
function selectionRequired(tool: string, projects: ProjectSummary[]): CallToolResult {
  return {
    isError: true,
    content: [
      {
        type: 'text',
        text:
          `PROJECT_SELECTION_REQUIRED: ${tool} works on one project and this client has none selected. Nothing was done.\n\n` +
          `Projects:\n${projectListing(projects)}\n\n` +
          `Fix: call select_project_for_session(project_name="...") once, or pass project="..." to this call. ` +
          `create_project(name="...") makes a new project.`,
      },
    ],
    structuredContent: {
      ok: false,
      error: { code: 'PROJECT_SELECTION_REQUIRED', message: `${tool} needs a project and none is selected.` },
      projects: projects.map((p) => ({ name: p.name, contextCount: p.contextCount })),
      project: null,
      workSession: null,
    },
  };
}
