import type { Awaitable, Memory, ReadAhead } from '../memory/memory.ts';
import type { Caller, ProjectMode } from '../sessions/caller.ts';
import type { WorkSessionService } from '../sessions/work-session-service.ts';
import type { ActivityEffects } from '../store/activity.ts';
import type { WorkSession } from '../store/work-sessions.ts';
import { parseArgs, parseArgsWith, type ArgsOf, type Shape } from './args.ts';
import { projectArgFor } from './project-arg.ts';

/** The project a tool's run is given, by its mode: a `required` tool always has one. */
export interface ProjectByMode {
  required: string;
  optional: string | null;
  none: null;
}
/** The work session a tool's run is given, by its mode: that of its project. */
export interface SessionByMode {
  required: WorkSession;
  optional: WorkSession | null;
  none: null;
}

/** What a tool runs with besides its arguments. */
export interface ToolContext<M extends ProjectMode> {
  caller: Caller;
  project: ProjectByMode[M];
  session: SessionByMode[M];
  /** The caller's memory, inside the call's transaction. */
  memory: Memory;
  workSessions: WorkSessionService;
}

export interface ToolCall<A, M extends ProjectMode = ProjectMode> extends ToolContext<M> {
  args: A;
}

export interface ToolOutput {
  /** Readable text for the model; the dispatcher adds the project and session line. */
  text: string;
  /** Structured result, merged into structuredContent. */
  data: Record<string, unknown>;
  /** One line for the activity feed. */
  summary: string;
  effects?: ActivityEffects;
}

interface ToolSpecBase<S extends Shape> {
  name: string;
  title: string;
  description: string;
  args: S;
  readOnly: boolean;
  destructive?: boolean;
}

/** A tool that acts on one project: it runs with that project's name and work session. */
interface ProjectToolSpec<S extends Shape> extends ToolSpecBase<S> {
  project: 'required';
  /** The project the arguments name, when not the common optional `project` (select_project_for_session). */
  projectFrom?: (args: ArgsOf<S>) => string | undefined;
  /** What the run will read on its project, for the store to send early (TransactionOptions.readsAhead). */
  readsAhead?: (args: ArgsOf<S>) => ReadAhead[];
  run(call: ToolCall<ArgsOf<S>, 'required'>): Awaitable<ToolOutput>;
}

/** A tool that uses the client's project when there is one (list_projects, session_status). */
interface OptionalProjectToolSpec<S extends Shape> extends ToolSpecBase<S> {
  project: 'optional';
  run(call: ToolCall<ArgsOf<S>, 'optional'>): Awaitable<ToolOutput>;
}

/** A tool that works on the project list, in no project's work session (create_project, delete_project). */
interface NoProjectToolSpec<S extends Shape> extends ToolSpecBase<S> {
  project: 'none';
  run(call: ToolCall<ArgsOf<S>, 'none'>): Awaitable<ToolOutput>;
}

/** How a tool is written: its arguments and what it does, typed by its shape and project mode. */
export type ToolSpec<S extends Shape> = ProjectToolSpec<S> | OptionalProjectToolSpec<S> | NoProjectToolSpec<S>;

/** A tool's work with its arguments bound, by the project mode it runs in. */
export type ToolWork =
  | { project: 'required'; run: (context: ToolContext<'required'>) => Awaitable<ToolOutput> }
  | { project: 'optional'; run: (context: ToolContext<'optional'>) => Awaitable<ToolOutput> }
  | { project: 'none'; run: (context: ToolContext<'none'>) => Awaitable<ToolOutput> };

/** A call the tool accepted: its validated arguments, the project they name, and the work to run. */
export interface AcceptedCall {
  args: unknown;
  explicitProject: string | undefined;
  work: ToolWork;
  /** What the work will read on its project (see ToolSpec's readsAhead). */
  readsAhead?: ReadAhead[] | undefined;
}

/** A tool as the dispatcher serves it, whatever its arguments. */
export interface ToolDefinition {
  name: string;
  title: string;
  description: string;
  /** The arguments clients see: the tool's own, and the optional `project` when it takes one. */
  shape: Shape;
  project: ProjectMode;
  /** Whether the gateway added the optional `project` argument (its listing says so). */
  takesProject: boolean;
  readOnly: boolean;
  destructive: boolean;
  /** Validates raw arguments (INVALID_ARGUMENTS when wrong) and binds them to the tool's work. */
  accept(raw: unknown): AcceptedCall;
}

/** Turns a tool's spec into what the dispatcher serves, keeping `run` typed by the spec's shape and mode. */
export function defineTool<const S extends Shape>(spec: ToolSpec<S>): ToolDefinition {
  const common = {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    readOnly: spec.readOnly,
    destructive: spec.destructive ?? false,
  };
  switch (spec.project) {
    case 'none':
      return {
        ...common,
        shape: spec.args,
        project: 'none',
        takesProject: false,
        accept: (raw) => {
          const args = parseArgs(spec.name, spec.args, raw);
          return { args, explicitProject: undefined, work: { project: 'none', run: (context) => spec.run({ ...context, args }) } };
        },
      };
    case 'optional': {
      const extra = { project: projectArgFor(spec.readOnly) };
      return {
        ...common,
        shape: { ...spec.args, ...extra },
        project: 'optional',
        takesProject: true,
        accept: (raw) => {
          const { args, extra: given } = parseArgsWith(spec.name, spec.args, extra, raw);
          return { args, explicitProject: given.project, work: { project: 'optional', run: (context) => spec.run({ ...context, args }) } };
        },
      };
    }
    case 'required': {
      const { projectFrom } = spec;
      const readsAhead = (args: ArgsOf<S>) => spec.readsAhead?.(args);
      if (projectFrom) {
        return {
          ...common,
          shape: spec.args,
          project: 'required',
          takesProject: false,
          accept: (raw) => {
            const args = parseArgs(spec.name, spec.args, raw);
            return {
              args,
              explicitProject: projectFrom(args),
              work: { project: 'required', run: (context) => spec.run({ ...context, args }) },
              readsAhead: readsAhead(args),
            };
          },
        };
      }
      const extra = { project: projectArgFor(spec.readOnly) };
      return {
        ...common,
        shape: { ...spec.args, ...extra },
        project: 'required',
        takesProject: true,
        accept: (raw) => {
          const { args, extra: given } = parseArgsWith(spec.name, spec.args, extra, raw);
          return {
            args,
            explicitProject: given.project,
            work: { project: 'required', run: (context) => spec.run({ ...context, args }) },
            readsAhead: readsAhead(args),
          };
        },
      };
    }
  }
}
