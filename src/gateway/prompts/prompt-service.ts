import { ProtocolError, ProtocolErrorCode, type GetPromptResult, type Prompt } from '@modelcontextprotocol/server';
import { protocolErrorOf } from '../resources/protocol-errors.ts';
import type { CallPipeline } from '../sessions/call-pipeline.ts';
import { projectListing } from '../text/format.ts';
import type { Caller } from '../sessions/caller.ts';
import { endSessionPrompt } from './end-session-prompt.ts';
import type { AcceptedPrompt, PromptDefinition } from './prompt.ts';
import { resumePrompt } from './resume-prompt.ts';

/** Every prompt the gateway serves, in the order clients list them. */
export const allPrompts: readonly PromptDefinition[] = [resumePrompt, endSessionPrompt];

/** The operation a prompt request is recorded under in the activity log and the work session. */
export const promptOperation = (name: string): string => `prompt:${name}`;

const userMessage = (text: string): GetPromptResult['messages'][number] => ({ role: 'user', content: { type: 'text', text } });

/**
 * Serves prompts/list and prompts/get. A prompt request runs like a tool call (CallPipeline): project
 * per invariant 1 (docs/design.md), recorded in the work session. Without a project it answers with a normal message
 * that lists the projects and says how to choose; bad arguments and unknown projects are errors.
 */
export class PromptService {
  private readonly prompts = new Map<string, { definition: PromptDefinition; listing: Prompt }>();
  private readonly pipeline: CallPipeline;

  constructor(deps: { pipeline: CallPipeline; prompts?: readonly PromptDefinition[] }) {
    this.pipeline = deps.pipeline;
    for (const definition of deps.prompts ?? allPrompts) {
      const listing: Prompt = {
        name: definition.name,
        title: definition.title,
        description: definition.description,
        arguments: Object.entries(definition.shape).map(([name, spec]) => ({ name, description: spec.description, required: spec.required ?? false })),
      };
      this.prompts.set(definition.name, { definition, listing });
    }
  }

  list(): Prompt[] {
    return [...this.prompts.values()].map((prompt) => prompt.listing);
  }

  async get(caller: Caller, name: string, rawArgs: Record<string, string> | undefined): Promise<GetPromptResult> {
    const prompt = this.prompts.get(name);
    if (!prompt) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `Unknown prompt "${String(name).slice(0, 80)}". Available prompts: ${[...this.prompts.keys()].join(', ')}.`,
      );
    }
    const { definition } = prompt;
    const operation = promptOperation(name);
    // Forms in clients send optional arguments left empty as "": that means "not given".
    const given = Object.fromEntries(Object.entries(rawArgs ?? {}).filter(([, value]) => typeof value !== 'string' || value.trim() !== ''));
    let accepted: AcceptedPrompt;
    try {
      accepted = definition.accept(given);
    } catch (error) {
      throw protocolErrorOf(await this.pipeline.fail(caller, operation, error));
    }
    const run = await this.pipeline.run(
      caller,
      { operation, args: accepted.args, explicit: accepted.explicitProject, writes: definition.selectsProject },
      {
        project: 'required',
        run: async (tx, scope) => {
          const output = await accepted.compose({ caller, project: scope.project.name, scope, memory: tx, workSessions: this.pipeline.workSessions });
          return { value: output, summary: output.summary, effects: output.effects };
        },
      },
    );
    switch (run.kind) {
      case 'failed':
        throw protocolErrorOf(run.error);
      case 'no-project':
        return {
          description: `${definition.title}: choose a project first.`,
          messages: [
            userMessage(
              `I picked the "${definition.name}" prompt of Dementia Companion, but no project is selected for this client, so there is no project memory to use yet. Nothing was done.\n\n` +
                `Projects:\n${projectListing(run.projects)}\n\n` +
                'Ask me which project to work on, then call select_project_for_session(project_name="...") ' +
                `(or create_project(name="...") for a new one). I can also pick this prompt again with its project argument.`,
            ),
          ],
        };
      case 'done':
      case 'replayed':
        return { description: run.value.description, messages: [userMessage(run.value.text)] };
    }
  }
}
