import { h, type Child } from '../dom.js';

/**
 * The table of per-project counts in the Export and Import memory reports (`.import-table` in
 * styles.css). One builder, so the two reports keep the same columns, classes and markup.
 */

/** What an export and an import both count for a project. */
export interface ProjectCounts {
  name: string;
  contexts: number;
  versions: number;
  archived: number;
  handovers: number;
  notes: number;
}

/** A column of numbers: its heading and the number it shows for a project. */
export type CountColumn<P> = [title: string, count: (project: P) => number];

const SHARED_COLUMNS: CountColumn<ProjectCounts>[] = [
  ['Contexts', (p) => p.contexts],
  ['Versions', (p) => p.versions],
  ['Archived', (p) => p.archived],
  ['Handovers', (p) => p.handovers],
  ['Notes', (p) => p.notes],
];

/**
 * `rowKey` names each row's data attribute holding the project (`importProject`:
 * data-import-project="home-lab"); `more` adds columns after the shared ones; `badge` follows a
 * project's name.
 */
export function projectCountsTable<P extends ProjectCounts>(
  projects: readonly P[],
  rowKey: string,
  options: { more?: CountColumn<P>[]; badge?: (project: P) => Child } = {},
): HTMLElement {
  const columns: CountColumn<P>[] = [...SHARED_COLUMNS, ...(options.more ?? [])];
  return h(
    'div',
    { class: 'import-table-wrap' },
    h(
      'table',
      { class: 'table import-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { text: 'Project' }),
          columns.map(([title]) => h('th', { class: 'num', text: title })),
        ),
      ),
      h(
        'tbody',
        {},
        projects.map((project) =>
          h(
            'tr',
            { data: { [rowKey]: project.name } },
            h('td', {}, h('span', { class: 'project-name', text: project.name }), options.badge?.(project)),
            columns.map(([, count]) => h('td', { class: 'num', text: String(count(project)) })),
          ),
        ),
      ),
    ),
  );
}
