import type { Awaitable, Memory } from '../memory/memory.ts';
import type { Caller, ProjectMode } from '../sessions/caller.ts';
import type { WorkSessionService } from '../sessions/work-session-service.ts';
import type { ActivityEffects } from '../store/activity.ts';
import type { WorkSession } from '../store/work-sessions.ts';
import type { ArgsOf, Shape } from './args.ts';

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
