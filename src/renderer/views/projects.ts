import { h } from '../dom.js';
import { ago, plural } from '../format.js';
import { viewHeader, type View } from '../view-context.js';
import { emptyState } from './empty-state.js';

export const projectsView: View = {
  id: 'projects',
  title: 'Projects',
  icon: 'projects',
  badge: (status) => (status.projects.length > 0 ? String(status.projects.length) : null),
  render(ctx) {
    const { projects, clients, handovers } = ctx.status;
    const now = ctx.now();
    const header = viewHeader('Projects', 'Separate memory spaces. Clients pick one with select_project_for_session or here.');
    if (projects.length === 0) {
      return h(
        'section',
        { class: 'view' },
        header,
        emptyState('projects', 'No projects yet', 'A client creates one with create_project(name="…"); it shows up here right away.'),
      );
    }
    const rows = projects.map((project) => {
      const working = clients.filter((client) => client.sessions.some((s) => s.project === project.name));
      const selected = clients.filter((client) => client.project === project.name);
      const handover = handovers.find((item) => item.project === project.name && item.forReader) ?? handovers.find((item) => item.project === project.name);
      return h(
        'tr',
        { data: { project: project.name } },
        h('td', {}, h('span', { class: 'project-name', text: project.name })),
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
    return h(
      'section',
      { class: 'view' },
      header,
      h(
        'div',
        { class: 'card table-card' },
        h(
          'table',
          { class: 'table' },
          h('thead', {}, h('tr', {}, h('th', { text: 'Project' }), h('th', { class: 'num', text: 'Contexts' }), h('th', { text: 'Last change' }), h('th', { text: 'Working now' }), h('th', { text: 'Last handover' }))),
          h('tbody', {}, rows),
        ),
      ),
      h('p', { class: 'footnote muted', text: `${plural(projects.length, 'project')} on this machine.` }),
    );
  },
};
