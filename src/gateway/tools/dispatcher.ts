import { ProtocolError, ProtocolErrorCode, type CallToolResult, type Tool } from '@modelcontextprotocol/server';
import { isUserError, UserError } from '../errors.ts';
import type { Memory } from '../memory/memory.ts';
import { resolveProject, type ResolvedProject } from '../sessions/project-resolver.ts';
import type { WorkSessionService } from '../sessions/work-session-service.ts';
import type { Handover } from '../store/handovers.ts';
import type { WorkSession } from '../store/work-sessions.ts';
import { jsonSchemaOf, parseArgs, type Shape, type StringSpec } from './args.ts';
import type { Caller, ToolDefinition, ToolOutput } from './tool.ts';

/** The optional `project` argument every memory tool takes. */
export const PROJECT_ARG: StringSpec = {
  type: 'string',
  description:
    'Project to act on, e.g. "linkedin". Omit it to use the project selected for this client ' +
    '(select_project_for_session) or pinned in its config. Passing it also makes it this client\'s active project.',
  maxLength: 64,
};

export interface DispatcherEvents {
  /** Called after every tool call that changed or read state, for live status updates. */
  onCall?: (tool: string, caller: Caller, ok: boolean) => void;
  onInternalError?: (error: unknown, tool: string) => void;
}

const shortId = (id: string): string => id.slice(0, 8);

/** Validates, resolves the project, runs the tool in one transaction and shapes the MCP result. */
export class ToolDispatcher {
  private readonly tools = new Map<string, { definition: ToolDefinition; shape: Shape; listing: Tool }>();
  private readonly memoryOf: (caller: Caller) => Memory;
  private readonly workSessions: WorkSessionService;
  private readonly events: DispatcherEvents;

  constructor(deps: {
    /** The memory a caller works in: the local store, or its tenant's schema when hosted. */
    memoryOf: (caller: Caller) => Memory;
    workSessions: WorkSessionService;
    tools: readonly ToolDefinition[];
    events?: DispatcherEvents;
  }) {
    this.memoryOf = deps.memoryOf;
    this.workSessions = deps.workSessions;
    this.events = deps.events ?? {};
    const definitions = deps.tools;
    for (const definition of definitions) {
      const takesProject = definition.project !== 'none' && definition.projectArg === undefined;
      const shape: Shape = takesProject ? { ...definition.args, project: PROJECT_ARG } : definition.args;
      const listing: Tool = {
        name: definition.name,
        title: definition.title,
        description: definition.description,
        inputSchema: jsonSchemaOf(shape) as Tool['inputSchema'],
        annotations: {
          title: definition.title,
          readOnlyHint: definition.readOnly,
          destructiveHint: definition.destructive ?? false,
          idempotentHint: definition.readOnly,
          openWorldHint: false,
        },
      };
      this.tools.set(definition.name, { definition, shape, listing });
    }
  }

  list(): Tool[] {
    return [...this.tools.values()].map((tool) => tool.listing);
  }

  names(): string[] {
    return [...this.tools.keys()];
  }

  async call(name: string, rawArgs: unknown, caller: Caller): Promise<CallToolResult> {
    const tool = this.tools.get(name);
    if (!tool) {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool "${String(name).slice(0, 80)}". Available tools: ${this.names().join(', ')}.`);
    }
    const { definition, shape } = tool;
    const memory = this.memoryOf(caller);
    let resolved: ResolvedProject | null = null;
    try {
      const args = parseArgs(name, shape, rawArgs);
      const explicit = definition.project === 'none' ? undefined : (args[definition.projectArg ?? 'project'] as string | undefined);
      const result = await memory.transaction(async (tx) => {
        resolved = await resolveProject(tx, caller, explicit);
        if (!resolved && definition.project === 'required') return undefined;
        const project = resolved;
        let session: WorkSession | null = null;
        let started = false;
        if (project) {
          const touch = await this.workSessions.touch(tx, caller.client, caller.instanceKey, project.name, name);
          session = touch.session;
          started = touch.started;
          if (project.source === 'argument') {
            await tx.clientState.setActiveProject(caller.client.id, caller.instanceKey, project.name);
          }
        }
        const output = await definition.run({ args, caller, project: project?.name ?? null, session, memory: tx, workSessions: this.workSessions });
        await tx.activity.record({
          at: tx.clock.now(),
          clientId: caller.client.id,
          project: project?.name ?? null,
          sessionId: session?.id ?? null,
          tool: name,
          ok: true,
          summary: output.summary,
          effects: output.effects,
        });
        await tx.clientState.markSeen(caller.client);
        const waiting = session && name !== 'get_last_handover' ? await this.handoverToAnnounce(tx, session) : undefined;
        if (session && !session.handoverAnnounced) await tx.sessions.markHandoverAnnounced(session.id);
        return this.success(output, project, session, started, waiting);
      });
      if (!result) return await this.selectionRequired(memory, name, caller);
      this.events.onCall?.(name, caller, true);
      return result;
    } catch (error) {
      const userError = isUserError(error)
        ? error
        : new UserError('INTERNAL_ERROR', `${name} failed inside the gateway; nothing was changed.`, 'Try again; if it keeps failing, see the gateway log.');
      if (!isUserError(error)) this.events.onInternalError?.(error, name);
      const project = resolved as ResolvedProject | null;
      const sessionId = await this.recordFailure(memory, name, caller, project?.name ?? null, userError);
      return this.failure(userError, project, sessionId);
    }
  }

  /** A handover by another session on this project that this session has not been told about. */
  private async handoverToAnnounce(memory: Memory, session: WorkSession): Promise<Handover | undefined> {
    if (session.handoverAnnounced) return undefined;
    const latest = await memory.handovers.latest(session.project);
    return latest && latest.sessionId !== session.id ? latest : undefined;
  }

  private success(
    output: ToolOutput,
    project: ResolvedProject | null,
    session: WorkSession | null,
    started: boolean,
    waiting: Handover | undefined,
  ): CallToolResult {
    const header = project
      ? `Project "${project.name}" · work session ${shortId(session!.id)}${started ? ' (new)' : ''}`
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
        workSession: session ? { id: session.id, started, startedAt: new Date(session.startedAt).toISOString() } : null,
        ...(waiting ? { handoverWaiting: { id: waiting.id, clientName: waiting.clientName, endedAt: new Date(waiting.endedAt).toISOString() } } : {}),
        ...output.data,
      },
    };
  }

  private failure(error: UserError, project: ResolvedProject | null, sessionId: string | null): CallToolResult {
    return {
      isError: true,
      content: [{ type: 'text', text: `Error ${error.code}: ${error.describe()}` }],
      structuredContent: {
        ok: false,
        error: { code: error.code, message: error.message, fix: error.fix ?? null, ...(error.details ?? {}) },
        project: project?.name ?? null,
        workSession: sessionId ? { id: sessionId } : null,
      },
    };
  }

  /** Invariant 1: no project means a clear, normal tool result listing the projects, never a guess. */
  private async selectionRequired(memory: Memory, tool: string, caller: Caller): Promise<CallToolResult> {
    const projects = await memory.projects.list();
    const listing = projects.length > 0 ? projects.map((p) => `- ${p.name} (${p.contextCount} contexts)`).join('\n') : '(no projects yet)';
    await this.recordFailure(memory, tool, caller, null, new UserError('PROJECT_SELECTION_REQUIRED', 'no project selected'));
    return {
      isError: true,
      content: [
        {
          type: 'text',
          text:
            `PROJECT_SELECTION_REQUIRED: ${tool} works on one project and this client has none selected. Nothing was done.\n\n` +
            `Projects:\n${listing}\n\n` +
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

  /**
   * Logs a failed call. The call's own transaction was rolled back (nothing half-written), but a
   * failed call on a project is still work on it: it touches the work session, so the result can
   * name the session too. Returns that session's id.
   */
  private async recordFailure(memory: Memory, tool: string, caller: Caller, project: string | null, error: UserError): Promise<string | null> {
    try {
      const sessionId = await memory.transaction(async (tx) => {
        const session = project ? (await this.workSessions.touch(tx, caller.client, caller.instanceKey, project, tool)).session : null;
        await tx.activity.record({
          at: tx.clock.now(),
          clientId: caller.client.id,
          project,
          sessionId: session?.id ?? null,
          tool,
          ok: false,
          summary: `${error.code}: ${error.message}`.slice(0, 300),
        });
        return session?.id ?? null;
      });
      this.events.onCall?.(tool, caller, false);
      return sessionId;
    } catch (logError) {
      this.events.onInternalError?.(logError, tool);
      return null;
    }
  }
}
