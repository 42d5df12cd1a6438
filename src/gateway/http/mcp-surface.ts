import type { Timers } from '../clock.ts';
import type { Memory } from '../memory/memory.ts';
import { PromptService } from '../prompts/prompt-service.ts';
import { ResourceChanges, type ResourceChange } from '../resources/resource-changes.ts';
import { ResourceService } from '../resources/resource-service.ts';
import { CallPipeline } from '../sessions/call-pipeline.ts';
import type { CallEvents } from '../sessions/recorded-call.ts';
import type { WorkSessionService } from '../sessions/work-session-service.ts';
import { ToolDispatcher } from '../tools/dispatcher.ts';
import type { ToolDefinition } from '../tools/tool.ts';
import type { Caller } from '../sessions/caller.ts';

/** What the MCP endpoint needs of the tool layer (so a composition root may wrap it, e.g. to time calls). */
export type ToolCalls = Pick<ToolDispatcher, 'list' | 'names' | 'call'>;

/** What the gateway serves over MCP: tools, prompts and resources, and who to tell when resources change. */
export interface McpSurface {
  tools: ToolCalls;
  prompts: PromptService;
  resources: ResourceService;
  changes: ResourceChanges;
}

/**
 * Builds the MCP surface over a caller's memory, the same way in local and hosted mode: tools,
 * prompts and resources share the call recording (work sessions, activity), and every committed
 * change reaches the open connections of the same tenant.
 */
export function createMcpSurface(deps: {
  /** The memory a caller works in: the local store, or its tenant's schema when hosted. */
  memoryOf: (caller: Caller) => Memory;
  workSessions: WorkSessionService;
  tools: readonly ToolDefinition[];
  events?: CallEvents;
  /** Each resource change made here, after its commit (hosted mode tells its other processes). */
  onResourceChange?: (change: ResourceChange) => void;
  /** What spaces the resource notifications of a project (tests move it). */
  timers?: Timers;
}): McpSurface {
  const events = deps.events ?? {};
  const changes = new ResourceChanges({
    memoryOf: deps.memoryOf,
    onError: (error) => events.onInternalError?.(error, 'resource notifications'),
    onApplied: deps.onResourceChange,
    timers: deps.timers,
  });
  const withChanges: CallEvents = {
    ...events,
    onOutcome: (outcome) => {
      events.onOutcome?.(outcome);
      void changes.callCompleted(outcome);
    },
  };
  // One pipeline for every kind of call: the same recording, and the same events, for all of them.
  const pipeline = new CallPipeline({ memoryOf: deps.memoryOf, workSessions: deps.workSessions, events: withChanges });
  return {
    tools: new ToolDispatcher({ pipeline, tools: deps.tools }),
    prompts: new PromptService({ pipeline }),
    resources: new ResourceService(pipeline),
    changes,
  };
}
