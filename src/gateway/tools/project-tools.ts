import { UserError } from '../errors.ts';
import { SECRET_POLICIES, type SecretPolicy } from '../secret-scan/screen.ts';
import { handoverForReader } from '../sessions/handover-choice.ts';
import { requireExistingProject } from '../sessions/project-resolver.ts';
import { normalizeProjectName } from '../store/projects.ts';
import { iso, minutesAgo, plural } from '../text/format.ts';
import { defineTool } from './tool.ts';

const PROJECT_NAME = {
  type: 'string',
  description: 'Project name, e.g. "linkedin". Case and surrounding spaces are ignored.',
  required: true,
  minLength: 1,
  maxLength: 64,
} as const;

export const listProjects = defineTool({
  name: 'list_projects',
  title: 'List projects',
  description:
    'Lists the memory projects with their context counts and shows which one is active for this client. ' +
    'Always allowed, also before a project is selected.',
  args: {},
  project: 'optional',
  readOnly: true,
  async run({ project, memory }) {
    const projects = await memory.projects.list();
    const now = memory.clock.now();
    const lines = projects.map(
      (p) =>
        `${p.name === project ? '* ' : '- '}${p.name}: ${plural(p.contextCount, 'context')}` +
        `${p.lastChangeAt ? `, last change ${minutesAgo(now, p.lastChangeAt)}` : ''}${p.description ? ` — ${p.description}` : ''}`,
    );
    return {
      text:
        projects.length === 0
          ? 'There are no projects yet. Create one with create_project(name="...").'
          : `${plural(projects.length, 'project')}${project ? ` (* = active for this client)` : ''}:\n${lines.join('\n')}` +
            (project ? '' : '\n\nSelect one with select_project_for_session(project_name="...").'),
      data: {
        projects: projects.map((p) => ({
          name: p.name,
          description: p.description,
          contextCount: p.contextCount,
          lastChangeAt: p.lastChangeAt ? iso(p.lastChangeAt) : null,
          active: p.name === project,
        })),
      },
      summary: `listed ${plural(projects.length, 'project')}`,
    };
  },
});

export const createProject = defineTool({
  name: 'create_project',
  title: 'Create project',
  description:
    'Creates a memory project (a separate space of contexts, sessions and handovers). Does not select it: ' +
    'call select_project_for_session next, or pass project="..." to memory tools.',
  args: {
    name: PROJECT_NAME,
    description: { type: 'string', description: 'One line about what the project is.', maxLength: 500 },
  },
  project: 'none',
  readOnly: false,
  async run({ args, memory }) {
    const name = normalizeProjectName(args.name);
    const created = await memory.projects.create(name, args.description ?? '');
    return {
      text: created
        ? `Created project "${name}". Select it with select_project_for_session(project_name="${name}").`
        : `Project "${name}" already exists; nothing changed. Select it with select_project_for_session(project_name="${name}").`,
      data: { name, created },
      summary: created ? `created project ${name}` : `project ${name} already existed`,
    };
  },
});

export const selectProject = defineTool({
  name: 'select_project_for_session',
  title: 'Select project',
  description:
    'Selects the project this client works on. It stays selected for this client across reconnects and ' +
    'gateway restarts until changed; other clients keep their own. Call once at the start of work.',
  args: { project_name: PROJECT_NAME },
  project: 'required',
  projectFrom: (args) => args.project_name,
  readOnly: false,
  async run({ project, caller, memory }) {
    const name = project;
    const info = (await memory.projects.get(name))!;
    const pinned = caller.pinnedProject ?? caller.client.pinnedProject;
    const pinNote =
      pinned && normalizeProjectName(pinned) !== name
        ? `\n\nNote: this client is pinned to "${pinned}" in its configuration, so calls without a project argument still go to "${pinned}".`
        : '';
    const handover = (await handoverForReader(memory, name))?.handover;
    return {
      text:
        `Selected project "${name}" for ${caller.client.name} (${plural(info.contextCount, 'context')}).` +
        (handover ? ` The last handover is from ${handover.clientName}, ${iso(handover.endedAt)}: call get_last_handover to read it.` : '') +
        pinNote,
      data: { selected: name, contextCount: info.contextCount, pinnedProject: pinned ?? null },
      summary: `selected project ${name}`,
    };
  },
});

export const getProjectInfo = defineTool({
  name: 'get_project_info',
  title: 'Project info',
  description: 'Shows a project: context counts by priority, open work sessions of all clients, the last handover.',
  args: {},
  project: 'required',
  readOnly: true,
  async run({ project, memory }) {
    const name = project;
    const latest = await memory.contexts.latestOfProject(name);
    const byPriority = { always_check: 0, important: 0, reference: 0 };
    for (const context of latest) byPriority[context.priority]++;
    const open = await memory.sessions.openOnProject(name);
    const handover = (await handoverForReader(memory, name))?.handover;
    const handoverCount = await memory.handovers.count(name);
    const info = await memory.projects.get(name);
    const now = memory.clock.now();
    return {
      text: [
        `Project "${name}": ${plural(latest.length, 'context')} (${byPriority.always_check} always_check, ${byPriority.important} important, ${byPriority.reference} reference).`,
        `Open work sessions: ${open.length === 0 ? 'none' : open.map((s) => `${s.clientName} (last call ${minutesAgo(now, s.lastActivityAt)})`).join(', ')}.`,
        `Handovers: ${handoverCount}${handover ? `, the last from ${handover.clientName} at ${iso(handover.endedAt)}` : ''}.`,
        `Secrets in writes: ${info?.secretPolicy === 'mask' ? 'stored masked' : 'refused'} (set_secret_handling changes it).`,
      ].join('\n'),
      data: {
        name,
        contextCount: latest.length,
        byPriority,
        secretHandling: info?.secretPolicy ?? 'refuse',
        openSessions: open.map((s) => ({ id: s.id, client: s.clientName, lastActivityAt: iso(s.lastActivityAt) })),
        lastHandover: handover ? { id: handover.id, client: handover.clientName, endedAt: iso(handover.endedAt) } : null,
      },
      summary: `project info ${name}`,
    };
  },
});

export const deleteProject = defineTool({
  name: 'delete_project',
  title: 'Delete project',
  description:
    'Permanently deletes a project with all its contexts, archived versions, sessions, handovers and notes. ' +
    'Only when the user explicitly asks. `confirm` must repeat the project name exactly.',
  args: {
    project_name: PROJECT_NAME,
    confirm: { type: 'string', description: 'The project name again, to confirm the deletion.', required: true, maxLength: 64 },
  },
  project: 'none',
  readOnly: false,
  destructive: true,
  async run({ args, memory }) {
    const name = await requireExistingProject(memory, args.project_name);
    if (normalizeProjectName(args.confirm) !== name) {
      throw new UserError(
        'CONFIRMATION_REQUIRED',
        `Deleting project "${name}" needs confirm="${name}"; nothing was deleted.`,
        'Ask the user to confirm, then call again with confirm set to the project name.',
      );
    }
    const removed = await memory.projects.delete(name);
    return {
      text: `Deleted project "${name}": ${plural(removed.contexts ?? 0, 'context version')}, ${plural(removed.archived_contexts ?? 0, 'archived version')}, ${plural(removed.handovers ?? 0, 'handover')}, ${plural(removed.notes ?? 0, 'note')}.`,
      data: { deleted: name, removed },
      summary: `deleted project ${name}`,
    };
  },
});

export const setSecretHandling = defineTool({
  name: 'set_secret_handling',
  title: 'Set secret handling',
  description:
    'Chooses what a write that carries a credential (API key, token, password, private key) does in this project. ' +
    '"refuse" (the default): the write fails with SECRET_DETECTED and nothing is saved. "mask": the text is saved with each ' +
    'secret replaced by [REDACTED:kind]. Secrets are never stored in the clear either way.',
  args: {
    mode: { type: 'string', description: '"refuse" or "mask".', required: true, enum: SECRET_POLICIES },
  },
  project: 'required',
  readOnly: false,
  async run({ args, project, memory }) {
    const mode = args.mode as SecretPolicy;
    await memory.projects.setSecretPolicy(project!, mode);
    return {
      text:
        mode === 'mask'
          ? `Project "${project}" now stores writes that carry a credential with the secret masked as [REDACTED:kind].`
          : `Project "${project}" now refuses writes that carry a credential (SECRET_DETECTED); nothing of such a write is saved.`,
      data: { secretHandling: mode },
      summary: `set secret handling to ${mode}`,
    };
  },
});
