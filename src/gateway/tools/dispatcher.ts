import { ProtocolError, ProtocolErrorCode, type CallToolResult, type Tool } from '@modelcontextprotocol/server';
import { UserError } from '../errors.ts';
import type { Memory } from '../memory/memory.ts';
import { sha256Hex } from '../secrets.ts';
import { handoverForReader } from '../sessions/handover-choice.ts';
import { resolveProject, type ResolvedProject } from '../sessions/project-resolver.ts';
import { enterWorkSession, recordFailure, recordSuccess, toUserError, type CallEvents, type CallScope } from '../sessions/recorded-call.ts';
import type { WorkSessionService } from '../sessions/work-session-service.ts';
import type { Handover } from '../store/handovers.ts';
import type { WorkSession } from '../store/work-sessions.ts';
import { jsonSchemaOf, parseArgs, type Shape } from './args.ts';
import { projectListing } from './format.ts';
import { projectArgFor, withProjectNote } from './project-arg.ts';
import type { Caller, ToolDefinition, ToolOutput } from './tool.ts';

export type DispatcherEvents = CallEvents;

const shortId = (id: string): string => id.slice(0, 8);

export interface CallOptions {
  /**
   * Identifies this call among the client's calls (an Idempotency-Key, or session and JSON-RPC
   * id): a write call seen before under the same key, with the same tool and arguments, is
   * answered from its first execution.
   */
  callKey?: string | undefined;
}

/** A write call to apply at most once: its key and what it was. */
interface Once {
  key: string;
  fingerprint: string;
}

interface RegisteredTool {
  definition: ToolDefinition;
  shape: Shape;
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

/** Validates, resolves the project, runs the tool in one transaction and shapes the MCP result. */
export class ToolDispatcher {
  private readonly tools = new Map<string, RegisteredTool>();
  /** Write calls with a key, while they run (a few at a time: bounded by requests in flight). */
  private readonly running = new Map<string, { fingerprint: string; result: Promise<CallToolResult> }>();
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
      const shape: Shape = takesProject ? { ...definition.args, project: projectArgFor(definition.readOnly) } : definition.args;
      const listing: Tool = {
        name: definition.name,
        title: definition.title,
        description: takesProject ? withProjectNote(definition.description, definition.readOnly) : definition.description,
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
    const once: Once = { key: options.callKey, fingerprint: sha256Hex(`${name}\n${JSON.stringify(rawArgs ?? null)}`) };
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

  private async run(tool: RegisteredTool, name: string, rawArgs: unknown, caller: Caller, once: Once | undefined): Promise<CallToolResult> {
    const { definition, shape } = tool;
    const memory = this.memoryOf(caller);
    let resolved: ResolvedProject | null = null;
    try {
      const args = parseArgs(name, shape, rawArgs);
      const explicit = definition.project === 'none' ? undefined : (args[definition.projectArg ?? 'project'] as string | undefined);
      const result = await memory.transaction(async (tx) => {
        if (once) {
          const applied = await tx.appliedCalls.find(caller.client.id, once.key);
          if (applied?.fingerprint === once.fingerprint) return { answer: JSON.parse(applied.result) as CallToolResult, outcome: undefined };
        }
        resolved = await resolveProject(tx, caller, explicit, definition.project !== 'required');
        if (!resolved && definition.project === 'required') return undefined;
        // Reading another project never moves the selection; writing to one does, and says so.
        const scope = await enterWorkSession(tx, this.workSessions, caller, resolved, name, { select: !definition.readOnly });
        const { project, session } = scope;
        const output = await definition.run({ args, caller, project: project?.name ?? null, session, memory: tx, workSessions: this.workSessions });
        await recordSuccess(tx, caller, scope, name, output);
        const waiting = session && name !== 'get_last_handover' ? await this.handoverToAnnounce(tx, session) : undefined;
        if (session && !session.handoverAnnounced) await tx.sessions.markHandoverAnnounced(session.id);
        const answer = this.success(output, scope, waiting, caller);
        if (once) await tx.appliedCalls.record(caller.client.id, once.key, { fingerprint: once.fingerprint, result: JSON.stringify(answer) });
        return { answer, outcome: { caller, operation: name, project: project?.name ?? null, selected: scope.selected, effects: output.effects ?? {} } };
      }, { recordOnly: definition.readOnly, caller: { clientId: caller.client.id, instanceKey: caller.instanceKey, callKey: once?.key } });
      if (!result) return await this.selectionRequired(memory, name, caller);
      // A resent call was answered from its first execution: nothing happened now.
      if (!result.outcome) return result.answer;
      this.events.onCall?.(name, caller, true);
      this.events.onOutcome?.(result.outcome);
      return result.answer;
    } catch (error) {
      const userError = toUserError(error, name, this.events);
      // Refused before the project was resolved (a bad argument): filed under the project it was meant for.
      const project = (resolved as ResolvedProject | null) ?? (definition.project === 'none' ? null : await this.intendedProject(memory, caller, rawArgs, definition.projectArg));
      const sessionId = await this.recordFailure(memory, name, caller, project?.name ?? null, userError);
      return this.failure(userError, project, sessionId);
    }
  }

  /** The project a call that failed before resolving one would have run on; null when there is none (or it is unknown). */
  private async intendedProject(memory: Memory, caller: Caller, rawArgs: unknown, projectArg: string | undefined): Promise<ResolvedProject | null> {
    const named = rawArgs && typeof rawArgs === 'object' ? (rawArgs as Record<string, unknown>)[projectArg ?? 'project'] : undefined;
    try {
      return await memory.transaction((tx) => resolveProject(tx, caller, typeof named === 'string' ? named : undefined, true), {
        recordOnly: true,
        caller: { clientId: caller.client.id, instanceKey: caller.instanceKey },
      });
    } catch {
      return null;
    }
  }

  /** A handover by another session on this project that this session has not been told about. */
  private async handoverToAnnounce(memory: Memory, session: WorkSession): Promise<Handover | undefined> {
    if (session.handoverAnnounced) return undefined;
    const latest = (await handoverForReader(memory, session.project))?.handover;
    return latest && latest.sessionId !== session.id ? latest : undefined;
  }

  private success(output: ToolOutput, scope: CallScope, waiting: Handover | undefined, caller: Caller): CallToolResult {
    const { project, session, started } = scope;
    const selection = scope.selected && project ? { from: scope.previousProject, to: project.name } : undefined;
    const header = project
      ? `Project "${project.name}" · work session ${shortId(session!.id)}${started ? ' (new)' : ''}${selection ? ` · ${selectionNote(selection.from, caller)}` : ''}`
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
    const listing = projectListing(projects);
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

  private recordFailure(memory: Memory, tool: string, caller: Caller, project: string | null, error: UserError): Promise<string | null> {
    return recordFailure(memory, this.workSessions, this.events, caller, tool, project, error);
  }
}
