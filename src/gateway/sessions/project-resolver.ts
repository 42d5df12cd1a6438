import { UserError } from '../errors.ts';
import type { Services } from '../services.ts';
import { normalizeProjectName } from '../store/projects.ts';
import type { Caller } from '../tools/tool.ts';

export type ProjectSource = 'argument' | 'pinned' | 'active';

export interface ResolvedProject {
  name: string;
  source: ProjectSource;
}

/** A project name that must exist; the error lists the projects and how to create one. */
export function requireExistingProject(services: Services, input: string): string {
  const name = normalizeProjectName(input);
  if (services.projects.exists(name)) return name;
  const names = services.projects.names();
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
export function resolveProject(services: Services, caller: Caller, explicit: string | undefined): ResolvedProject | null {
  if (explicit !== undefined) return { name: requireExistingProject(services, explicit), source: 'argument' };
  const pinned = caller.pinnedProject ?? caller.client.pinnedProject;
  if (pinned) {
    const name = normalizeProjectName(pinned);
    // A pin comes from the user's own config: the project it names is created on first use
    // (checked first: creating is a write, and this runs on every call of a pinned client).
    if (!services.projects.exists(name)) services.projects.create(name);
    return { name, source: 'pinned' };
  }
  const active = services.clients.activeProject(caller.client.id, caller.instanceKey);
  if (active && services.projects.exists(active)) return { name: active, source: 'active' };
  return null;
}
