import type { Memory } from '../memory/memory.ts';
import type { CallScope } from '../sessions/recorded-call.ts';
import type { WorkSessionService } from '../sessions/work-session-service.ts';
import type { ActivityEffects } from '../store/activity.ts';
import type { ArgsOf, StringSpec } from '../tools/args.ts';
import type { Caller } from '../sessions/caller.ts';

/** Prompt arguments are strings (MCP's rule); the tool layer's specs give their listing and validation. */
export type PromptShape = Record<string, StringSpec>;

export interface PromptCall<A> {
  args: A;
  caller: Caller;
  /** The resolved project (invariant 1) and its work session, already touched by this request. */
  project: string;
  scope: CallScope;
  /** The caller's memory, inside the request's transaction. */
  memory: Memory;
  workSessions: WorkSessionService;
}

export interface PromptOutput {
  /** The one message the prompt puts into the conversation, addressed to the model. */
  text: string;
  /** Shown by clients next to the prompt's result. */
  description: string;
  /** One line for the activity feed. */
  summary: string;
  /** What the message showed of the memory (it counts as recalled in the handover). */
  effects?: ActivityEffects;
}

/**
 * A prompt: what a user picks from the client's "+" menu or as a slash command. Every prompt acts
 * on one project, resolved like a tool's (an optional `project` argument, else the client's pin,
 * else its selection).
 */
export interface PromptDefinition<S extends PromptShape = PromptShape> {
  name: string;
  title: string;
  description: string;
  /** Arguments besides the optional `project` every prompt takes. */
  args: S;
  /** Whether a project named in the arguments becomes this client's active project. */
  selectsProject: boolean;
  compose(call: PromptCall<ArgsOf<S> & { project?: string }>): Promise<PromptOutput>;
}

/** Keeps the argument types of `compose` tied to the declared shape. */
export function definePrompt<S extends PromptShape>(definition: PromptDefinition<S>): PromptDefinition {
  return definition as unknown as PromptDefinition;
}
