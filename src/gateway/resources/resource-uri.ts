import { UserError } from '../errors.ts';
import { normalizeProjectName } from '../store/projects.ts';

/**
 * The resource addresses of the memory (docs/design.md section 12). Project names and labels are
 * percent-encoded as path segments (a label like "deploy/rules" becomes "deploy%2Frules"), so a URI
 * names exactly one thing; an unencoded slash in a label is still read as part of the label.
 */
export const PROJECTS_URI = 'dementia://projects';

export const TEMPLATES = {
  context: 'dementia://projects/{project}/contexts/{label}',
  contextVersion: 'dementia://projects/{project}/contexts/{label}/versions/{version}',
  handover: 'dementia://projects/{project}/handover',
} as const;

export type ResourceAddress =
  { kind: 'projects' } | { kind: 'context'; project: string; label: string; version: number | 'latest' } | { kind: 'handover'; project: string };

const projectPrefix = (project: string): string => `${PROJECTS_URI}/${encodeURIComponent(project)}`;

export function contextUri(project: string, label: string, version?: number): string {
  const base = `${projectPrefix(project)}/contexts/${encodeURIComponent(label)}`;
  return version === undefined ? base : `${base}/versions/${version}`;
}

export function handoverUri(project: string): string {
  return `${projectPrefix(project)}/handover`;
}

const MAX_URI_LENGTH = 1_000;
const MAX_LABEL_LENGTH = 200;

function invalid(uri: string, problem: string): UserError {
  const shown = uri.length > 120 ? `${uri.slice(0, 120)}…` : uri;
  return new UserError(
    'INVALID_RESOURCE_URI',
    `"${shown}" is not a Dementia resource: ${problem}.`,
    `Use ${PROJECTS_URI}, ${TEMPLATES.context}, ${TEMPLATES.contextVersion} or ${TEMPLATES.handover} (see resources/templates/list).`,
  );
}

function decode(uri: string, segment: string, what: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalid(uri, `its ${what} is not valid percent-encoding`);
  }
}

/** Reads a resource URI; anything else is a UserError that shows the URI forms. */
export function parseResourceUri(uri: string): ResourceAddress {
  if (uri.length > MAX_URI_LENGTH) throw invalid(uri, `it is longer than ${MAX_URI_LENGTH} characters`);
  if (uri === PROJECTS_URI || uri === `${PROJECTS_URI}/`) return { kind: 'projects' };
  if (!uri.startsWith(`${PROJECTS_URI}/`)) throw invalid(uri, `it does not start with ${PROJECTS_URI}/`);
  const path = uri.slice(PROJECTS_URI.length + 1);
  if (/[?#]/.test(path)) throw invalid(uri, 'it has a query or fragment');
  const slash = path.indexOf('/');
  if (slash <= 0) throw invalid(uri, 'it names a project but no resource of it (…/contexts/{label} or …/handover)');
  const project = normalizeProjectName(decode(uri, path.slice(0, slash), 'project'));
  const rest = path.slice(slash + 1);
  if (rest === 'handover') return { kind: 'handover', project };
  if (!rest.startsWith('contexts/') || rest.length === 'contexts/'.length) {
    throw invalid(uri, `after the project comes "contexts/{label}" or "handover", not "${rest.slice(0, 40)}"`);
  }
  const labelPart = rest.slice('contexts/'.length);
  const versioned = /^(.+)\/versions\/([^/]*)$/.exec(labelPart);
  if (versioned && !/^[1-9]\d{0,8}$/.test(versioned[2]!)) throw invalid(uri, `the version "${versioned[2]}" is not a positive whole number`);
  const label = decode(uri, versioned ? versioned[1]! : labelPart, 'label');
  if (label.trim() === '' || label.length > MAX_LABEL_LENGTH) throw invalid(uri, `the label must have 1 to ${MAX_LABEL_LENGTH} characters`);
  return { kind: 'context', project, label, version: versioned ? Number(versioned[2]) : 'latest' };
}

/** The one spelling of an address (encoded segments, normal project name): what the gateway sends. */
export function canonicalUri(address: ResourceAddress): string {
  switch (address.kind) {
    case 'projects':
      return PROJECTS_URI;
    case 'handover':
      return handoverUri(address.project);
    case 'context':
      return contextUri(address.project, address.label, address.version === 'latest' ? undefined : address.version);
  }
}
