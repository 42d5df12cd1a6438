import { CallerRefused, isUserError, UserError } from '../errors.ts';
import type { Memory } from '../memory/memory.ts';
import type { ActivityEffects } from '../store/activity.ts';
import type { WorkSession } from '../store/work-sessions.ts';
import type { Caller } from './caller.ts';
import type { ResolvedProject } from './project-resolver.ts';
import type { WorkSessionService } from './work-session-service.ts';

/**
 * What every recorded call does around its own work, whatever asked for it (a tool call, a prompt,
 * a resource read): it touches the work session of (client, instance, project), and leaves an
 * activity entry whose effects feed the handover. One place, so all of them count the same way.
 */

/** The project a call resolved and the work session it runs in, opened inside the call's transaction. */
export interface ProjectScope {
  project: ResolvedProject;
  session: WorkSession;
  /** True when this call started the session. */
  started: boolean;
  /** True when this call moved the client instance's active project to `project`. */
  selected: boolean;
  /** The instance's active project before this call moved it (when `selected`). */
  previousProject: string | null;
}

/** A call on no project: no work session, no selection change. */
export interface NoProjectScope {
  project: null;
  session: null;
  started: false;
  selected: false;
  previousProject: null;
}

export const NO_PROJECT_SCOPE: NoProjectScope = { project: null, session: null, started: false, selected: false, previousProject: null };

/** The scope a call ran in: with a project (and its work session), or without one. */
export type CallScope = ProjectScope | NoProjectScope;

/** What a call leaves in the activity log (and so in the handover). */
export interface CallRecord {
  summary: string;
  effects?: ActivityEffects | undefined;
}

/** A successful call, reported after its transaction committed (live views, resource notifications). */
export interface CallOutcome {
  caller: Caller;
  operation: string;
  project: string | null;
  selected: boolean;
  effects: ActivityEffects;
}

/** Live reports about calls, for the status views, the log and resource notifications. */
export interface CallEvents {
  /**
   * Called after every recorded call, for live status updates and metrics; a failed one with its
   * error code (also when recording the failure itself failed, e.g. with the store unreachable).
   */
  onCall?: (operation: string, caller: Caller, ok: boolean, errorCode?: string) => void;
  onInternalError?: (error: unknown, operation: string) => void;
  /** Called after every successful call, once its changes are committed. */
  onOutcome?: (outcome: CallOutcome) => void;
  /**
   * Called before a call's work (inside its transaction, before the project is resolved), with
   * its operation and validated arguments. Throwing a UserError refuses the call: it is recorded and answered like any
   * failure, and nothing is done.
   */
  onStart?: (start: CallStart) => void;
}

/** A call about to run: what the onStart hook sees. */
export interface CallStart {
  caller: Caller;
  operation: string;
  /** The call's validated arguments (a tool's or prompt's; `{ uri }` for a resource read). */
  args: unknown;
}

/**
 * Touches the work session of the resolved project. With `select` (calls that write), a project
 * named explicitly by the call becomes the client instance's active project (docs/design.md invariant 1's "last
 * explicit project"); a read never moves it.
 */
export async function enterWorkSession(
  tx: Memory,
  workSessions: WorkSessionService,
  caller: Caller,
  project: ResolvedProject,
  operation: string,
  options: { select: boolean },
): Promise<ProjectScope> {
  const { session, started } = await workSessions.touch(tx, caller.client, caller.instanceKey, project.name, operation);
  let selected = false;
  let previousProject: string | null = null;
  if (options.select && project.source === 'argument') {
    previousProject = await tx.clientState.activeProject(caller.client.id, caller.instanceKey);
    selected = previousProject !== project.name;
    if (selected) await tx.clientState.setActiveProject(caller.client.id, caller.instanceKey, project.name);
  }
  return { project, session, started, selected, previousProject };
}

/** Logs a successful call in its own transaction (`tx`) and marks the client as seen. */
export async function recordSuccess(tx: Memory, caller: Caller, scope: CallScope, operation: string, record: CallRecord): Promise<void> {
  await tx.activity.record({
    at: tx.clock.now(),
    clientId: caller.client.id,
    project: scope.project?.name ?? null,
    sessionId: scope.session?.id ?? null,
    tool: operation,
    ok: true,
    summary: record.summary,
    effects: record.effects,
  });
  await tx.clientState.markSeen(caller.client);
}

/**
 * Logs a failed call. The call's own transaction was rolled back (nothing half-written), but a
 * failed call on a project is still work on it: it touches the work session, so the answer can
 * name the session too. Returns that session's id. Throws only CallerRefused (nothing is recorded
 * for a caller refused meanwhile); a failure to log is reported.
 */
export async function recordFailure(
  memory: Memory,
  workSessions: WorkSessionService,
  events: CallEvents,
  caller: Caller,
  operation: string,
  project: string | null,
  error: UserError,
): Promise<string | null> {
  try {
    const sessionId = await memory.transaction(
      async (tx) => {
        const session = project ? (await workSessions.touch(tx, caller.client, caller.instanceKey, project, operation)).session : null;
        await tx.activity.record({
          at: tx.clock.now(),
          clientId: caller.client.id,
          project,
          sessionId: session?.id ?? null,
          tool: operation,
          ok: false,
          summary: `${error.code}: ${error.message}`.slice(0, 300),
        });
        return session?.id ?? null;
      },
      { recordOnly: true, caller: { clientId: caller.client.id, instanceKey: caller.instanceKey } },
    );
    events.onCall?.(operation, caller, false, error.code);
    return sessionId;
  } catch (logError) {
    if (logError instanceof CallerRefused) throw logError;
    events.onInternalError?.(logError, operation);
    events.onCall?.(operation, caller, false, error.code);
    return null;
  }
}

/** The error as the caller sees it: a UserError as it is, anything else as INTERNAL_ERROR (reported). */
export function toUserError(error: unknown, operation: string, events: CallEvents): UserError {
  if (isUserError(error)) return error;
  events.onInternalError?.(error, operation);
  return new UserError(
    'INTERNAL_ERROR',
    `${operation} failed inside the gateway; nothing was changed.`,
    'Try again; if it keeps failing, see the gateway log.',
  );
}
