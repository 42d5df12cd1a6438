import type { StringSpec } from './args.ts';

/**
 * The optional `project` argument of the memory tools, and what it does to the client's selection:
 * a read-only tool reads the named project and leaves the selection alone; a tool that writes makes
 * the named project the client's selected one (its result's first line says so).
 */
const WHERE = "Omit it to use this client's project (pinned in its config, else the one selected with select_project_for_session).";

export const READ_PROJECT_ARG: StringSpec = {
  type: 'string',
  description: `Another project to read, e.g. "linkedin". ${WHERE} Passing it does not change which project is selected.`,
  maxLength: 64,
};

export const WRITE_PROJECT_ARG: StringSpec = {
  type: 'string',
  description: `Another project to write to, e.g. "linkedin". ${WHERE} Passing it also makes it this client's selected project for later calls.`,
  maxLength: 64,
};

export const projectArgFor = (readOnly: boolean): StringSpec => (readOnly ? READ_PROJECT_ARG : WRITE_PROJECT_ARG);

/** The sentence every project-taking tool's description ends with. */
export function withProjectNote(description: string, readOnly: boolean): string {
  return readOnly
    ? `${description} Works on this client's project; pass \`project\` only to read another one (the selection stays as it is).`
    : `${description} Works on this client's project; pass \`project\` only to write to another one, which then becomes this client's selected project.`;
}
