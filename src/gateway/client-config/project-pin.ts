import { UserError } from '../errors.ts';
import type { Services } from '../services.ts';
import { unknownProjectFix } from '../sessions/project-resolver.ts';
import { normalizeProjectName } from '../store/projects.ts';

export interface PinCheck {
  /** The normalized project name. */
  name: string;
  /** True when the project does not exist yet and is to be created with the pin. */
  create: boolean;
}

/**
 * A project a command pins (clients add --project, config --project) must exist: a typo must not
 * become a second project next to the one meant. `--create-project` creates a new one on purpose;
 * so does the very first pin on a machine without projects, where there is nothing to mistype
 * (which keeps `clients add NAME --project P` of docs/design.md section 9 working on a fresh data folder).
 */
export function checkPinnedProject(services: Services, input: string, createProject: boolean, createHint = 'Add --create-project to create it.'): PinCheck {
  const name = normalizeProjectName(input);
  if (services.projects.exists(name)) return { name, create: false };
  const names = services.projects.names();
  if (createProject || names.length === 0) return { name, create: true };
  throw new UserError('UNKNOWN_PROJECT', `Project "${name}" does not exist; nothing was changed.`, unknownProjectFix(name, names, createHint));
}
