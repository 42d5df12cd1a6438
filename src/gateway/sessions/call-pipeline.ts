import { CallerRefused, UserError } from '../errors.ts';
import type { Memory, ReadAhead, TransactionOptions } from '../memory/memory.ts';
import type { ActivityEffects } from '../store/activity.ts';
import { normalizeProjectName, type ProjectSummary } from '../store/projects.ts';
import type { Caller } from './caller.ts';
import { LastProjects } from './last-projects.ts';
import { resolveProject } from './project-resolver.ts';
import {
  enterWorkSession,
  NO_PROJECT_SCOPE,
  recordFailure,
  recordSuccess,
  toUserError,
  type CallEvents,
  type CallRecord,
  type CallScope,
  type NoProjectScope,
  type ProjectScope,
} from './recorded-call.ts';
import type { WorkSessionService } from './work-session-service.ts';

/** What a call's work returns: its value, and what it leaves in the activity log. */
export type WorkDone<T> = CallRecord & { value: T };

/**
 * A call's own work, by how it relates to projects: `required` work runs on one project (resolved
 * per invariant 1) and its work session; `optional` work uses them when there is a project;
 * `none` (create_project, delete_project) works on the project list and never resolves one.
 */
export type CallWork<T> =
  | { project: 'required'; run: (tx: Memory, scope: ProjectScope) => Promise<WorkDone<T>> }
  | { project: 'optional'; run: (tx: Memory, scope: CallScope) => Promise<WorkDone<T>> }
  | { project: 'none'; run: (tx: Memory, scope: NoProjectScope) => Promise<WorkDone<T>> };

/** A write call to apply at most once: its key among the client's calls, and what it was. */
export interface AppliedOnce {
  key: string;
  fingerprint: string;
}

export interface CallRequest {
  /** The name the call is recorded under: a tool's name, `prompt:<name>`, `resources/read`. */
  operation: string;
  /** The call's validated arguments, for the onStart hook. */
  args: unknown;
  /** The project the request names itself (an argument, a URI); resolved per invariant 1 otherwise. */
  explicit?: string | undefined;
  /** Whether the call writes: an explicit project then becomes the instance's active project. */
  writes: boolean;
  /** Set for a write call to apply once: a call seen before is answered with its first value. */
  once?: AppliedOnce | undefined;
  /** What the work will read on its project (ToolSpec's readsAhead). */
  readsAhead?: readonly ReadAhead[] | undefined;
}

export type CallResult<T> =
  | { kind: 'done'; value: T; scope: CallScope }
  /** A write applied once before under the same key: its first value, nothing done now. */
  | { kind: 'replayed'; value: T }
  /** The call needs a project and the caller has none: the projects to choose from. */
  | { kind: 'no-project'; projects: ProjectSummary[] }
  /** The error as the client sees it, with the project and work session the failure was recorded in. */
  | { kind: 'failed'; error: UserError; project: string | null; sessionId: string | null };

/** What ran inside the transaction, before its events are told. */
type Ran<T> = { kind: 'replayed'; value: T } | { kind: 'ran'; value: T; scope: CallScope; effects: ActivityEffects };

/**
 * The one way a tool call, a prompt or a resource read runs: in one transaction of the caller's
 * memory, on the project resolved per invariant 1, touching its work session and leaving an
 * activity entry (so it shows in the handover); a failure is recorded too, and an unexpected error
 * becomes INTERNAL_ERROR (reported to onInternalError). Work that takes no project (`none`) is
 * recorded with no project and no work session: it is not part of any project's session, so it
 * never shows in the handover of the project the client happens to have selected.
 *
 * Extension point: the CallEvents hooks (onStart before the work, onCall and onOutcome after it,
 * onInternalError) see every call of every kind, here and nowhere else.
 */
export class CallPipeline {
  readonly memoryOf: (caller: Caller) => Memory;
  readonly workSessions: WorkSessionService;
  private readonly events: CallEvents;
  /** The guess of a call's project for its reads ahead. */
  private readonly lastProjects = new LastProjects();

  constructor(deps: { memoryOf: (caller: Caller) => Memory; workSessions: WorkSessionService; events?: CallEvents | undefined }) {
    this.memoryOf = deps.memoryOf;
    this.workSessions = deps.workSessions;
    this.events = deps.events ?? {};
  }

  /** The error as the client sees it; an unexpected one is reported (logged) and becomes INTERNAL_ERROR. */
  userError(error: unknown, operation: string): UserError {
    return toUserError(error, operation, this.events);
  }

  /**
   * Records a request that failed before it could run (a bad URI, a bad argument); returns the error to answer with.
   * With `meantFor` it is filed under the project the request was meant for (its explicit project, else the
   * caller's pin or selection), so the activity and handover of that project show it; an unknown project files it under none.
   */
  async fail(caller: Caller, operation: string, error: unknown, meantFor?: { explicit: string | undefined }): Promise<UserError> {
    const userError = toUserError(error, operation, this.events);
    const memory = this.memoryOf(caller);
    const project = meantFor ? await this.projectMeantFor(memory, caller, meantFor.explicit) : null;
    await recordFailure(memory, this.workSessions, this.events, caller, operation, project, userError);
    return userError;
  }

  private async projectMeantFor(memory: Memory, caller: Caller, explicit: string | undefined): Promise<string | null> {
    try {
      const resolved = await memory.transaction((tx) => resolveProject(tx, caller, explicit, true), {
        recordOnly: true,
        caller: { clientId: caller.client.id, instanceKey: caller.instanceKey },
      });
      return resolved?.name ?? null;
    } catch (error) {
      if (error instanceof CallerRefused) throw error;
      return null; // A project that does not exist (or a store that fails): the failure is still recorded, under none.
    }
  }

  async run<T>(caller: Caller, request: CallRequest, work: CallWork<T>): Promise<CallResult<T>> {
    const { operation, once } = request;
    const memory = this.memoryOf(caller);
    // The project a failure is recorded on: the one resolved before the work failed.
    const attempt: { project: string | null } = { project: null };
    try {
      const result = await memory.transaction(
        async (tx): Promise<Ran<T> | undefined> => {
          if (once) {
            const applied = await tx.appliedCalls.find(caller.client.id, once.key);
            // Stored by this pipeline from the first execution's value.
            if (applied?.fingerprint === once.fingerprint) return { kind: 'replayed', value: JSON.parse(applied.result) as T };
          }
          this.events.onStart?.({ caller, operation, args: request.args });
          const ran = await this.perform(tx, caller, request, work, attempt);
          if (!ran) return undefined;
          await recordSuccess(tx, caller, ran.scope, operation, ran.done);
          if (once) await tx.appliedCalls.record(caller.client.id, once.key, { fingerprint: once.fingerprint, result: JSON.stringify(ran.done.value) });
          return { kind: 'ran', value: ran.done.value, scope: ran.scope, effects: ran.done.effects ?? {} };
        },
        {
          recordOnly: !request.writes,
          caller: { clientId: caller.client.id, instanceKey: caller.instanceKey, callKey: once?.key },
          readsAhead: this.readsAhead(caller, request),
        },
      );
      if (!result) {
        const noProject = new UserError('PROJECT_SELECTION_REQUIRED', 'no project selected');
        await recordFailure(memory, this.workSessions, this.events, caller, operation, null, noProject);
        return { kind: 'no-project', projects: await memory.projects.list() };
      }
      // A resent call was answered from its first execution: nothing happened now.
      if (result.kind === 'replayed') return result;
      if (result.scope.project) this.lastProjects.remember(caller, result.scope.project.name);
      this.events.onCall?.(operation, caller, true);
      this.events.onOutcome?.({ caller, operation, project: result.scope.project?.name ?? null, selected: result.scope.selected, effects: result.effects });
      return { kind: 'done', value: result.value, scope: result.scope };
    } catch (error) {
      // Not the caller's failure to record: the caller is not authorized (any more).
      if (error instanceof CallerRefused) throw error;
      const userError = toUserError(error, operation, this.events);
      const sessionId = await recordFailure(memory, this.workSessions, this.events, caller, operation, attempt.project, userError);
      return { kind: 'failed', error: userError, project: attempt.project, sessionId };
    }
  }

  /** The request's reads ahead on the project it names, else on the one its instance's last call ran on. */
  private readsAhead(caller: Caller, request: CallRequest): TransactionOptions['readsAhead'] {
    if (!request.readsAhead || request.readsAhead.length === 0) return undefined;
    const project = request.explicit !== undefined ? normalizeProjectName(request.explicit) : this.lastProjects.get(caller);
    return project === undefined ? undefined : { project, reads: request.readsAhead };
  }

  /** Resolves the project the work needs, enters its work session and runs the work; undefined: none to run on. */
  private async perform<T>(
    tx: Memory,
    caller: Caller,
    request: CallRequest,
    work: CallWork<T>,
    attempt: { project: string | null },
  ): Promise<{ scope: CallScope; done: WorkDone<T> } | undefined> {
    if (work.project === 'none') return { scope: NO_PROJECT_SCOPE, done: await work.run(tx, NO_PROJECT_SCOPE) };
    const resolved = await resolveProject(tx, caller, request.explicit, work.project === 'optional');
    if (!resolved) {
      if (work.project === 'required') return undefined;
      return { scope: NO_PROJECT_SCOPE, done: await work.run(tx, NO_PROJECT_SCOPE) };
    }
    attempt.project = resolved.name;
    const scope = await enterWorkSession(tx, this.workSessions, caller, resolved, request.operation, { select: request.writes });
    return { scope, done: await work.run(tx, scope) };
  }
}
