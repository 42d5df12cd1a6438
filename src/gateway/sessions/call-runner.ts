import { UserError } from '../errors.ts';
import type { Memory } from '../memory/memory.ts';
import type { ProjectSummary } from '../store/projects.ts';
import type { Caller, ProjectMode } from './caller.ts';
import { resolveProject, type ResolvedProject } from './project-resolver.ts';
import { enterWorkSession, recordFailure, recordSuccess, toUserError, type CallEvents, type CallRecord, type CallScope } from './recorded-call.ts';
import type { WorkSessionService } from './work-session-service.ts';

export interface RunOptions {
  /** The project the request names itself (an argument, a URI); resolved per invariant 1 otherwise. */
  explicit?: string | undefined;
  project: ProjectMode;
  /** Whether an explicit project becomes the client instance's active project. */
  select: boolean;
}

export type RunResult<T> =
  | { kind: 'done'; value: T; scope: CallScope }
  /** The request needs a project and the caller has none: the projects to choose from. */
  | { kind: 'no-project'; projects: ProjectSummary[] };

/**
 * Runs one prompt or resource request the way the tool dispatcher runs a tool call: in one
 * transaction of the caller's memory, on the project resolved per invariant 1, touching the work
 * session and leaving an activity entry (so it shows in the handover). A failure is recorded and
 * rethrown as a UserError (an unexpected one as INTERNAL_ERROR, reported to onInternalError).
 */
export class CallRunner {
  readonly memoryOf: (caller: Caller) => Memory;
  readonly workSessions: WorkSessionService;
  private readonly events: CallEvents;

  constructor(deps: { memoryOf: (caller: Caller) => Memory; workSessions: WorkSessionService; events?: CallEvents | undefined }) {
    this.memoryOf = deps.memoryOf;
    this.workSessions = deps.workSessions;
    this.events = deps.events ?? {};
  }

  /** The error as the client sees it; an unexpected one is reported (logged) and becomes INTERNAL_ERROR. */
  userError(error: unknown, operation: string): UserError {
    return toUserError(error, operation, this.events);
  }

  /** Records a request that failed before it could run (a bad URI, a bad argument); returns the error to answer with. */
  async fail(caller: Caller, operation: string, error: unknown): Promise<UserError> {
    const userError = toUserError(error, operation, this.events);
    await recordFailure(this.memoryOf(caller), this.workSessions, this.events, caller, operation, null, userError);
    return userError;
  }

  async run<T>(
    caller: Caller,
    operation: string,
    options: RunOptions,
    work: (tx: Memory, scope: CallScope) => Promise<CallRecord & { value: T }>,
  ): Promise<RunResult<T>> {
    const memory = this.memoryOf(caller);
    let resolved: ResolvedProject | null = null;
    try {
      const result = await memory.transaction(async (tx) => {
        resolved = options.project === 'none' ? null : await resolveProject(tx, caller, options.explicit, options.project !== 'required');
        if (!resolved && options.project === 'required') return undefined;
        const scope = await enterWorkSession(tx, this.workSessions, caller, resolved, operation, { select: options.select });
        const done = await work(tx, scope);
        await recordSuccess(tx, caller, scope, operation, done);
        return { value: done.value, scope, effects: done.effects ?? {} };
      }, { recordOnly: !options.select, caller: { clientId: caller.client.id, instanceKey: caller.instanceKey } });
      if (!result) {
        await recordFailure(memory, this.workSessions, this.events, caller, operation, null, new UserError('PROJECT_SELECTION_REQUIRED', 'no project selected'));
        return { kind: 'no-project', projects: await memory.projects.list() };
      }
      this.events.onCall?.(operation, caller, true);
      this.events.onOutcome?.({ caller, operation, project: result.scope.project?.name ?? null, selected: result.scope.selected, effects: result.effects });
      return { kind: 'done', value: result.value, scope: result.scope };
    } catch (error) {
      const userError = toUserError(error, operation, this.events);
      await recordFailure(memory, this.workSessions, this.events, caller, operation, (resolved as ResolvedProject | null)?.name ?? null, userError);
      throw userError;
    }
  }
}
