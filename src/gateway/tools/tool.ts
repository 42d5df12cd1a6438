import type { Awaitable, Memory } from '../memory/memory.ts';
import type { WorkSessionService } from '../sessions/work-session-service.ts';
import type { ActivityEffects } from '../store/activity.ts';
import type { ClientRecord } from '../store/clients.ts';
import type { WorkSession } from '../store/work-sessions.ts';
import type { ArgsOf, Shape } from './args.ts';

/**
 * How a tool relates to projects: `required` tools act on one project (resolved per invariant 1 of docs/design.md),
 * `optional` ones use it when there is one, `none` (create/delete) never resolve one.
 */
export type ProjectMode = 'required' | 'optional' | 'none';

/** Who is calling: established by the transport, never by the tool arguments. */
export interface Caller {
  client: ClientRecord;
  /** Which running instance of the client (a window, a repository); '' when it does not say. */
  instanceKey: string;
  /** A project pinned by the client's own config (request header), overriding the stored pin. */
  pinnedProject?: string | undefined;
  /** The tenant (schema) of a hosted caller; undefined locally, where there is one store. */
  tenant?: string | undefined;
}

export interface ToolCall<A> {
  args: A;
  caller: Caller;
  project: string | null;
  session: WorkSession | null;
  /** The caller's memory, inside the call's transaction. */
  memory: Memory;
  workSessions: WorkSessionService;
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

export interface ToolDefinition<S extends Shape = Shape> {
  name: string;
  title: string;
  description: string;
  args: S;
  project: ProjectMode;
  /** The argument that names the project when it is not the common optional `project`. */
  projectArg?: keyof S & string;
  readOnly: boolean;
  destructive?: boolean;
  run(call: ToolCall<ArgsOf<S>>): Awaitable<ToolOutput>;
}

/** Keeps the argument types of `run` tied to the declared shape. */
export function defineTool<S extends Shape>(definition: ToolDefinition<S>): ToolDefinition {
  return definition as unknown as ToolDefinition;
}
