import type { ExportReport } from '../../gateway/export/export-memory.ts';
import { postJson } from '../api.js';
import { h } from '../dom.js';
import { errorText } from '../toast.js';
import { icon } from '../icons.js';
import type { ViewContext } from '../view-context.js';
import { projectCountsTable } from './project-counts-table.js';

/** The form survives live updates and switching views. */
const form = {
  open: false,
  to: '',
  project: '',
  busy: false,
  result: null as ExportReport | null,
  error: null as string | null,
};

const summaryLine = (report: ExportReport) => {
  const sum = (pick: (p: ExportReport['projects'][number]) => number) => report.projects.reduce((total, p) => total + pick(p), 0);
  return `Exported ${report.projects.length} project(s): ${sum((p) => p.versions)} version(s) of ${sum((p) => p.contexts)} context(s), ${sum((p) => p.handovers)} handover(s), ${sum((p) => p.notes)} note(s).`;
};

function resultBlock(report: ExportReport): HTMLElement {
  return h(
    'div',
    { class: 'import-report export-report' },
    h('p', { class: 'import-summary', text: `${summaryLine(report)} Folder: ${report.to}` }),
    projectCountsTable(report.projects, 'exportProject'),
    h('p', { class: 'muted small', text: 'Bring it back on any machine with: dementia import dementia-export --from FOLDER' }),
  );
}

/** The "Export memory" group of the settings view: the same files as `dementia export`. */
export function exportCard(ctx: ViewContext): HTMLElement {
  const card = h('div', { class: 'card settings-group import-card', attrs: { id: 'export-memory' } });
  const rerender = () => card.replaceChildren(...build());
  const run = async () => {
    form.busy = true;
    form.error = null;
    form.result = null;
    rerender();
    try {
      // The result is shown in the card itself (a toast would cover its "Done" button).
      form.result = await postJson<ExportReport>('/api/export', { to: form.to.trim(), project: form.project.trim() || undefined });
    } catch (error) {
      form.error = errorText(error);
    } finally {
      form.busy = false;
      rerender();
    }
  };
  const reset = () => {
    Object.assign(form, { open: false, to: '', project: '', result: null, error: null });
    rerender();
  };

  const build = (): Node[] => {
    const head = h('h3', { class: 'card-title', text: 'Export memory' });
    const intro = h('p', {
      class: 'muted small',
      text: 'Write every project as plain Markdown files (one per context version, archived ones too, handovers and notes) and a manifest.json: readable, and easy to keep in git. Exporting again into the same folder replaces that export.',
    });
    if (!form.open) {
      return [
        head,
        intro,
        h(
          'div',
          { class: 'form-actions' },
          h(
            'button',
            { class: 'btn', attrs: { type: 'button' }, data: { action: 'open-export' }, on: { click: () => ((form.open = true), rerender()) } },
            'Export memory…',
          ),
        ),
      ];
    }
    const to = h('input', {
      class: 'input',
      attrs: {
        type: 'text',
        name: 'exportTo',
        autocomplete: 'off',
        spellcheck: 'false',
        placeholder: '/path/to/memory-export (new or empty folder)',
        value: form.to,
        disabled: form.busy,
      },
      on: { input: () => (form.to = to.value) },
    });
    const project = h('input', {
      class: 'input',
      attrs: {
        type: 'text',
        name: 'exportProject',
        autocomplete: 'off',
        list: 'export-projects',
        placeholder: 'All projects',
        value: form.project,
        disabled: form.busy,
      },
      on: { input: () => (form.project = project.value) },
    });
    const actions = form.result
      ? [h('button', { class: 'btn btn-primary', attrs: { type: 'button' }, data: { action: 'export-done' }, on: { click: reset } }, 'Done')]
      : [
          h('button', { class: 'btn btn-quiet', attrs: { type: 'button', disabled: form.busy }, on: { click: reset } }, 'Cancel'),
          h(
            'button',
            { class: 'btn btn-primary', attrs: { type: 'button', disabled: form.busy }, data: { action: 'run-export' }, on: { click: () => void run() } },
            icon('check'),
            'Export',
          ),
        ];
    const nodes: (HTMLElement | null)[] = [
      head,
      intro,
      h(
        'div',
        { class: 'import-fields export-fields' },
        h('label', { class: 'field import-from' }, h('span', { class: 'label', text: 'Folder' }), to),
        h('label', { class: 'field' }, h('span', { class: 'label', text: 'Project' }), project),
        h(
          'datalist',
          { attrs: { id: 'export-projects' } },
          ctx.status.projects.map((p) => h('option', { attrs: { value: p.name } })),
        ),
      ),
      form.busy ? h('div', { class: 'connect-state is-waiting' }, h('span', { class: 'spinner' }), h('span', { text: 'Writing the files…' })) : null,
      form.error ? h('div', { class: 'banner banner-bad import-error export-error' }, icon('alert'), h('pre', { text: form.error })) : null,
      form.result ? h('div', { class: 'import-step' }, h('h4', { class: 'label', text: 'Exported' }), resultBlock(form.result)) : null,
      h('div', { class: 'form-actions' }, actions),
    ];
    return nodes.filter((node) => node !== null);
  };
  rerender();
  return card;
}
