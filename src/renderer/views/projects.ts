import type { ContextDetail, ContextListing, VersionView } from '../../gateway/http/admin/project-contexts.ts';
import { getJson, postJson } from '../api.js';
import { h } from '../dom.js';
import { ago, clockTime, plural } from '../format.js';
import { icon } from '../icons.js';
import { viewHeader, type View, type ViewContext } from '../view-context.js';
import { emptyState } from './empty-state.js';

/** Fetched listings and details, by API path, so live updates redraw without a flash. */
const cache = new Map<string, { text: string; data: unknown }>();
/** An always_check archive the user asked for, waiting for "Archive anyway" (the tools' force). */
let confirming: string | null = null;
let root: HTMLElement | null = null;

const enc = encodeURIComponent;
const projectHref = (project: string) => `#projects/${enc(project)}`;
const contextHref = (project: string, label: string) => `#projects/${enc(project)}/${enc(label)}`;
const listPath = (project: string) => `/api/projects/${enc(project)}/contexts`;
const detailPath = (project: string, label: string) => `/api/projects/${enc(project)}/contexts/${enc(label)}`;

/** The API path the current address shows, or null on the list of projects. */
function currentPath(ctx: ViewContext): string | null {
  const [project, label] = ctx.route;
  if (!project) return null;
  return label === undefined ? listPath(project) : detailPath(project, label);
}

/** Loads the current page's data; redraws when it changed. Errors show in place of the page. */
async function refresh(ctx: ViewContext, path: string): Promise<void> {
  try {
    const data = await getJson<unknown>(path);
    const text = JSON.stringify(data);
    if (cache.get(path)?.text === text) return;
    cache.set(path, { text, data });
  } catch (error) {
    cache.set(path, { text: '', data: { error: (error as Error).message } });
  }
  if (currentPath(ctx) === path) draw(ctx);
}

function draw(ctx: ViewContext): void {
  if (!root) return;
  const path = currentPath(ctx);
  const [project, label] = ctx.route;
  if (path === null || project === undefined) {
    root.replaceChildren(...projectList(ctx));
    return;
  }
  const data = cache.get(path)?.data as (ContextListing & ContextDetail & { error?: string }) | undefined;
  const body = !data
    ? h('div', { class: 'card skeleton' })
    : data.error
      ? h('div', { class: 'banner banner-bad' }, icon('alert'), h('span', { text: data.error }))
      : null;
  root.replaceChildren(
    ...(label === undefined ? contextList(ctx, project, body ? null : data!, body) : contextPage(ctx, project, label, body ? null : data!, body)),
  );
}

function crumbs(project: string, label?: string): HTMLElement {
  return h(
    'nav',
    { class: 'crumbs', attrs: { 'aria-label': 'Breadcrumb' } },
    h('a', { attrs: { href: '#projects' }, text: 'Projects' }),
    h('span', { class: 'crumb-sep', text: '/' }),
    label === undefined ? h('span', { text: project }) : h('a', { attrs: { href: projectHref(project) }, text: project }),
    label === undefined ? null : [h('span', { class: 'crumb-sep', text: '/' }), h('span', { text: label })],
  );
}

function priorityBadge(priority: string): HTMLElement {
  const kind = priority === 'always_check' ? 'warn' : priority === 'important' ? 'info' : 'neutral';
  return h('span', { class: `badge badge-${kind}`, text: priority });
}

function tagChips(tags: string[]): HTMLElement | null {
  return tags.length === 0
    ? null
    : h(
        'span',
        { class: 'tags' },
        tags.map((tag) => h('span', { class: 'tag', text: tag })),
      );
}

function projectList(ctx: ViewContext): Node[] {
  const { projects, clients, handovers } = ctx.status;
  const now = ctx.now();
  const header = viewHeader('Projects', 'Separate memory spaces. Clients pick one with select_project_for_session or here. Open one to browse its contexts.');
  if (projects.length === 0) {
    return [header, emptyState('projects', 'No projects yet', 'A client creates one with create_project(name="…"); it shows up here right away.')];
  }
  const rows = projects.map((project) => {
    const working = clients.filter((client) => client.sessions.some((s) => s.project === project.name));
    const selected = clients.filter((client) => client.project === project.name);
    const handover = handovers.find((item) => item.project === project.name && item.forReader) ?? handovers.find((item) => item.project === project.name);
    return h(
      'tr',
      { data: { project: project.name } },
      h(
        'td',
        {},
        h('a', { class: 'project-name', attrs: { href: projectHref(project.name) }, text: project.name }),
        project.description ? h('div', { class: 'muted small project-description', text: project.description }) : null,
      ),
      h('td', { class: 'num', text: String(project.contextCount) }),
      h('td', { class: 'muted', text: project.lastChangeAt ? ago(project.lastChangeAt, now) : '—' }),
      h(
        'td',
        {},
        working.length > 0
          ? working.map((client) => h('span', { class: 'chip chip-live', text: client.name }))
          : selected.length > 0
            ? h('span', { class: 'muted', text: `selected by ${selected.map((c) => c.name).join(', ')}` })
            : h('span', { class: 'muted', text: '—' }),
      ),
      h('td', { class: 'muted', text: handover ? `${handover.client}, ${ago(handover.endedAt, now)}` : '—' }),
    );
  });
  return [
    header,
    h(
      'div',
      { class: 'card table-card' },
      h(
        'table',
        { class: 'table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { text: 'Project' }),
            h('th', { class: 'num', text: 'Contexts' }),
            h('th', { text: 'Last change' }),
            h('th', { text: 'Working now' }),
            h('th', { text: 'Last handover' }),
          ),
        ),
        h('tbody', {}, rows),
      ),
    ),
    h('p', { class: 'footnote muted', text: `${plural(projects.length, 'project')} on this machine.` }),
  ];
}

function contextList(ctx: ViewContext, project: string, listing: ContextListing | null, placeholder: HTMLElement | null): Node[] {
  const now = ctx.now();
  const header = viewHeader(project, 'Every live context, latest version first. Open one to read it, see its versions, archive or restore.');
  if (!listing) return [crumbs(project), header, placeholder!];
  const live = listing.contexts.map((c) =>
    h(
      'tr',
      { data: { label: c.label } },
      h(
        'td',
        {},
        h('a', { class: 'context-label', attrs: { href: contextHref(project, c.label) }, text: c.label }),
        h('div', { class: 'muted small context-preview', text: c.preview }),
      ),
      h('td', {}, priorityBadge(c.priority), tagChips(c.tags)),
      h('td', { class: 'num nowrap' }, `v${c.version}`, c.versions > 1 ? h('span', { class: 'muted', text: ` · ${c.versions} live` }) : null),
      h('td', { class: 'muted nowrap', text: ago(c.createdAt, now) }),
    ),
  );
  const archived = listing.archivedOnly.map((a) =>
    h(
      'tr',
      { data: { label: a.label } },
      h('td', {}, h('a', { class: 'context-label muted', attrs: { href: contextHref(project, a.label) }, text: a.label })),
      h('td', { class: 'muted', text: `${plural(a.versions, 'version')} archived ${ago(a.archivedAt, now)}` }),
    ),
  );
  return [
    crumbs(project),
    header,
    listing.contexts.length === 0
      ? emptyState('file', 'No live contexts', 'A client saves one with lock_context(topic="…", content="…").')
      : h(
          'div',
          { class: 'card table-card' },
          h(
            'table',
            { class: 'table contexts' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', { text: 'Context' }),
                h('th', { text: 'Priority and tags' }),
                h('th', { class: 'num', text: 'Latest' }),
                h('th', { text: 'Locked' }),
              ),
            ),
            h('tbody', {}, live),
          ),
        ),
    archived.length > 0
      ? h(
          'div',
          { class: 'card table-card' },
          h('h3', { class: 'card-title table-title', text: 'Archived (no live version)' }),
          h('table', { class: 'table archived' }, h('tbody', {}, archived)),
        )
      : null,
  ].filter((node): node is HTMLElement => node !== null);
}

async function act(
  ctx: ViewContext,
  project: string,
  label: string,
  action: 'archive' | 'restore',
  body: Record<string, unknown>,
  success: string,
): Promise<void> {
  const ok = await ctx.run(() => postJson(`${detailPath(project, label)}/${action}`, body), success);
  if (ok) {
    confirming = null;
    await Promise.all([refresh(ctx, detailPath(project, label)), refresh(ctx, listPath(project))]);
  }
}

function versionCard(ctx: ViewContext, project: string, label: string, version: VersionView, next: number | null): HTMLElement {
  const key = `${label}@${version.version}`;
  const rule = version.priority === 'always_check';
  const archive = (force: boolean) => act(ctx, project, label, 'archive', { version: version.version, force }, `Archived ${label} v${version.version}`);
  return h(
    'article',
    { class: `card version${version.latest ? ' version-latest' : ''}`, data: { version: String(version.version) } },
    h(
      'div',
      { class: 'version-head' },
      h('strong', { text: `v${version.version}` }),
      version.latest ? h('span', { class: 'badge badge-good', text: 'latest' }) : null,
      priorityBadge(version.priority),
      tagChips(version.tags),
      h('span', { class: 'muted grow', title: version.createdAt, text: `locked ${clockTime(version.createdAt, ctx.now())}` }),
      h(
        'button',
        {
          class: 'btn btn-quiet',
          attrs: { type: 'button' },
          data: { action: 'archive' },
          on: {
            click: () => {
              if (!rule) return void archive(false);
              confirming = key;
              draw(ctx);
            },
          },
        },
        'Archive',
      ),
    ),
    confirming === key
      ? h(
          'div',
          { class: 'banner banner-warn', attrs: { role: 'alert' } },
          icon('alert'),
          h('span', {
            class: 'grow',
            text: `v${version.version} is an always_check rule: clients check it before acting. Archive it anyway? It can be restored.`,
          }),
          h('button', { class: 'btn', attrs: { type: 'button' }, on: { click: () => ((confirming = null), draw(ctx)) } }, 'Keep'),
          h(
            'button',
            { class: 'btn btn-primary', attrs: { type: 'button' }, data: { action: 'archive-anyway' }, on: { click: () => void archive(true) } },
            'Archive anyway',
          ),
        )
      : null,
    h('pre', { class: 'context-content', text: version.content }),
    version.latest && next !== null ? h('p', { class: 'muted small', text: `Archiving it makes v${next} the latest.` }) : null,
  );
}

function contextPage(ctx: ViewContext, project: string, label: string, detail: ContextDetail | null, placeholder: HTMLElement | null): Node[] {
  const header = viewHeader(label, `Context in ${project}: its live versions, newest first, and its archived ones.`);
  if (!detail) return [crumbs(project, label), header, placeholder!];
  const archived = detail.archived.map((a) =>
    h(
      'div',
      { class: 'row archived-version', data: { version: String(a.version) } },
      h('strong', { text: `v${a.version}` }),
      priorityBadge(a.priority),
      h('span', {
        class: 'muted grow',
        text: `archived ${ago(a.archivedAt, ctx.now())} · ${a.content.length > 80 ? `${a.content.slice(0, 80)}…` : a.content}`,
      }),
      h(
        'button',
        {
          class: 'btn',
          attrs: { type: 'button' },
          data: { action: 'restore' },
          on: { click: () => void act(ctx, project, label, 'restore', { version: a.version }, `Restored ${label} v${a.version}`) },
        },
        'Restore',
      ),
    ),
  );
  return [
    crumbs(project, label),
    header,
    detail.versions.length === 0
      ? h(
          'div',
          { class: 'banner banner-neutral' },
          icon('alert'),
          h('span', { text: 'Every version is archived: nothing of it is searched or recalled. Restore one below.' }),
        )
      : h(
          'div',
          { class: 'stack' },
          detail.versions.map((version, index) => versionCard(ctx, project, label, version, index === 0 ? (detail.versions[1]?.version ?? null) : null)),
        ),
    archived.length > 0
      ? h('div', { class: 'card list-card archived-list' }, h('h3', { class: 'card-title', text: `Archived (${archived.length})` }), archived)
      : null,
  ].filter((node): node is HTMLElement => node !== null);
}

export const projectsView: View = {
  id: 'projects',
  title: 'Projects',
  icon: 'projects',
  badge: (status) => (status.projects.length > 0 ? String(status.projects.length) : null),
  // Redrawn in place on live updates (from cached data, refetched when the status changed), so browsing does not flash.
  keepOnUpdate: true,
  update(ctx, news) {
    draw(ctx);
    const path = currentPath(ctx);
    if (path && news) void refresh(ctx, path);
  },
  render(ctx) {
    confirming = null;
    root = h('section', { class: 'view' });
    draw(ctx);
    const path = currentPath(ctx);
    if (path) void refresh(ctx, path);
    return root;
  },
};
