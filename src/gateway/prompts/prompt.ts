import type { Memory } from '../memory/memory.ts';
import type { ProjectScope } from '../sessions/recorded-call.ts';
import type { WorkSessionService } from '../sessions/work-session-service.ts';
import type { ActivityEffects } from '../store/activity.ts';
import { parseArgsWith, type ArgsOf, type StringSpec } from '../tools/args.ts';
import { READ_PROJECT_ARG } from '../tools/project-arg.ts';
import type { Caller } from '../sessions/caller.ts';

/** Prompt arguments are strings (MCP's rule); the tool layer's specs give their listing and validation. */
export type PromptShape = Record<string, StringSpec>;

export interface PromptCall<A> {
  args: A;
  caller: Caller;
  /** The resolved project (invariant 1, docs/design.md) and its work session, already touched by this request. */
  project: string;
  scope: ProjectScope;
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

/** What a prompt composes with besides its arguments. */
export type PromptContext = Omit<PromptCall<never>, 'args'>;

/**
 * A prompt: what a user picks from the client's "+" menu or as a slash command. Every prompt acts
 * on one project, resolved like a tool's (an optional `project` argument, else the client's pin,
 * else its selection).
 */
export interface PromptSpec<S extends PromptShape> {
  name: string;
  title: string;
  description: string;
  /** Arguments besides the optional `project` every prompt takes. */
  args: S;
  /** Whether a project named in the arguments becomes this client's active project. */
  selectsProject: boolean;
  compose(call: PromptCall<ArgsOf<S> & { project?: string }>): Promise<PromptOutput>;
}

/** A prompt's request, validated: its arguments, the project they name, and the composition to run. */
export interface AcceptedPrompt {
  args: unknown;
  explicitProject: string | undefined;
  compose(context: PromptContext): Promise<PromptOutput>;
}

/** A prompt as the prompt service serves it, whatever its arguments. */
export interface PromptDefinition {
  name: string;
  title: string;
  description: string;
  /** The arguments clients see: the optional `project`, then the prompt's own. */
  shape: PromptShape;
  selectsProject: boolean;
  /** Validates the arguments (INVALID_ARGUMENTS when wrong) and binds them to the composition. */
  accept(raw: Record<string, string>): AcceptedPrompt;
}

const PROJECT_ARG = {
  ...READ_PROJECT_ARG,
  description: 'Project, e.g. "webshop". Leave it empty for the project this client works on.',
};

/** Turns a prompt's spec into what the prompt service serves, keeping `compose` typed by the spec's shape. */
export function definePrompt<const S extends PromptShape>(spec: PromptSpec<S>): PromptDefinition {
  const extra = { project: PROJECT_ARG };
  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    shape: { ...extra, ...spec.args },
    selectsProject: spec.selectsProject,
    accept: (raw) => {
      const parsed = parseArgsWith(spec.name, spec.args, extra, raw, true);
      const args = { ...parsed.args, ...parsed.extra };
      return { args, explicitProject: parsed.extra.project, compose: (context) => spec.compose({ ...context, args }) };
    },
  };
}
