import { UserError } from '../errors.ts';
import type { Memory } from '../memory/memory.ts';
import { normalizeProjectName } from '../store/projects.ts';
import type { Caller } from '../tools/tool.ts';

export type ProjectSource = 'argument' | 'pinned' | 'active';

export interface ResolvedProject {
  name: string;
  source: ProjectSource;
}

/** A project name that must exist; the error lists the projects and how to create one. */
export async function requireExistingProject(memory: Memory, input: string): Promise<string> {
  const name = normalizeProjectName(input);
  if (await memory.projects.exists(name)) return name;
  const names = await memory.projects.names();
  throw new UserError(
    'UNKNOWN_PROJECT',
    `Project "${name}" does not exist.`,
    `${names.length > 0 ? `Existing projects: ${names.join(', ')}. ` : 'There are no projects yet. '}Create it with create_project(name="${name}").`,
    { projects: names },
  );
}

/**
 * Invariant 1, in this order: the call's explicit project; else the project pinned to the client
 * (its config); else the client instance's active project. Never another client's project, never
 * the last project of the API key, never a guess. Returns null when there is none.
 */
export async function resolveProject(memory: Memory, caller: Caller, explicit: string | undefined): Promise<ResolvedProject | null> {
  if (explicit !== undefined) return { name: await requireExistingProject(memory, explicit), source: 'argument' };
  const pinned = caller.pinnedProject ?? caller.client.pinnedProject;
  if (pinned) {
    const name = normalizeProjectName(pinned);
    // A pin comes from the user's own config: the project it names is created on first use
    // (checked first: creating is a write, and this runs on every call of a pinned client).
    if (!(await memory.projects.exists(name))) await memory.projects.create(name);
    return { name, source: 'pinned' };
  }
  const active = await memory.clientState.activeProject(caller.client.id, caller.instanceKey);
  if (active && (await memory.projects.exists(active))) return { name: active, source: 'active' };
  return null;
}
