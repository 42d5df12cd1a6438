import { didYouMean } from '../did-you-mean.ts';
import { UserError } from '../errors.ts';
import type { Memory } from '../memory/memory.ts';
import { normalizeProjectName } from '../store/projects.ts';
import type { Caller } from './caller.ts';

export type ProjectSource = 'argument' | 'pinned' | 'active';

export interface ResolvedProject {
  name: string;
  source: ProjectSource;
}

/** The fix of an unknown project: the closest names, the list, and how to create it on purpose. */
export function unknownProjectFix(name: string, names: readonly string[], create: string): string {
  const listing = names.length > 0 ? `Existing projects: ${names.join(', ')}. ` : 'There are no projects yet. ';
  return `${didYouMean(name, names)}${listing}${create}`;
}

/** UNKNOWN_PROJECT for `name`, with the list, the closest names and how to create it on purpose. */
async function unknownProject(memory: Memory, name: string, message: string, create: string, data: Record<string, unknown> = {}): Promise<UserError> {
  const names = await memory.projects.names();
  return new UserError('UNKNOWN_PROJECT', message, unknownProjectFix(name, names, create), { projects: names, ...data });
}

/** A project name that must exist; the error lists the projects, the closest ones, and how to create one. */
export async function requireExistingProject(memory: Memory, input: string): Promise<string> {
  const name = normalizeProjectName(input);
  if (await memory.projects.exists(name)) return name;
  throw await unknownProject(memory, name, `Project "${name}" does not exist.`, `Create it with create_project(name="${name}").`);
}

/**
 * A pin names a project that must exist: a typo in a config (X-Dementia-Project: billng-api) must
 * not become a project, and a project the user deleted must not come back on the pinned client's
 * next call. The user creates it on purpose (create_project, or --create-project on the CLI).
 */
function unknownPinnedProject(memory: Memory, name: string, fromHeader: boolean): Promise<UserError> {
  const where = fromHeader ? "in this client's config (X-Dementia-Project)" : 'to this client (dementia clients add --project)';
  return unknownProject(
    memory,
    name,
    `Project "${name}", pinned ${where}, does not exist; nothing was done.`,
    `Correct the pin, or ask the user whether to create it: create_project(name="${name}").`,
    { pinnedProject: name },
  );
}

/**
 * Invariant 1, in this order: the call's explicit project; else the project pinned to the client
 * (its config); else the client instance's active project. Never another client's project, never
 * the last project of the API key, never a guess. Returns null when there is none; a pin naming a
 * project that does not exist is an error, or (`lenientPin`, for tools that work without a
 * project, like list_projects and create_project) no project.
 */
export async function resolveProject(memory: Memory, caller: Caller, explicit: string | undefined, lenientPin = false): Promise<ResolvedProject | null> {
  if (explicit !== undefined) return { name: await requireExistingProject(memory, explicit), source: 'argument' };
  const pinned = caller.pinnedProject ?? caller.client.pinnedProject;
  if (pinned) {
    const name = normalizeProjectName(pinned);
    if (await memory.projects.exists(name)) return { name, source: 'pinned' };
    if (lenientPin) return null;
    throw await unknownPinnedProject(memory, name, caller.pinnedProject !== undefined);
  }
  const active = await memory.clientState.activeProject(caller.client.id, caller.instanceKey);
  return active ? { name: active, source: 'active' } : null;
}
