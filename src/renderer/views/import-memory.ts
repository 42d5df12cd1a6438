import type { ImportPreview } from '../../gateway/http/admin/import-flow.ts';
import type { ImportReport } from '../../gateway/import/plan-writer.ts';
import { postJson } from '../api.js';
import { h } from '../dom.js';
import { errorText, toast } from '../toast.js';
import { icon } from '../icons.js';
import type { ViewContext } from '../view-context.js';
import { projectCountsTable } from './project-counts-table.js';

const KINDS = [
  { kind: 'claude-dementia', label: 'claude-dementia', from: 'postgres://user:password@host:5432/db, ~/.claude-dementia, or a .db file', project: 'Optional' },
  { kind: 'server-memory', label: 'server-memory (knowledge graph)', from: '/path/to/memory.jsonl', project: 'e.g. notes' },
  { kind: 'dementia-export', label: 'an export of this app', from: '/path/to/memory-export (the folder with manifest.json)', project: 'Named by the export' },
];

const FROM_LABELS: Record<string, string> = {
  'claude-dementia': 'Postgres URL, folder or .db file',
  'server-memory': 'memory.jsonl file',
  'dementia-export': 'Export folder',
};

/** The form survives live updates, saving other settings and switching views. */
const form = {
  open: false,
  kind: 'claude-dementia',
  from: '',
  project: '',
  merge: false,
  busy: null as string | null,
  preview: null as ImportPreview | null,
  result: null as ImportReport | null,
  error: null as string | null,
};

const added = (report: ImportReport) => report.totals.versions + report.totals.archived + report.totals.handovers + report.totals.notes;

function summaryLine(report: ImportReport): string {
  const t = report.totals;
  if (added(report) === 0) return t.unchanged > 0 ? 'Nothing new: everything is already here.' : 'Nothing to import.';
  return `${report.dryRun ? 'Would add' : 'Added'} ${t.versions} version(s) of ${t.contexts} context(s), ${t.archived} archived version(s), ${t.handovers} handover(s) and ${t.notes} note(s)${t.skipped > 0 ? `; ${t.skipped} skipped` : ''}.`;
}

/** Skipped rows and notes, each with its reason; folded away when there are many. */
function details(report: ImportReport): HTMLElement | null {
  const lines = [
    ...report.skipped.map((s) => `Skipped ${s.item}: ${s.reason}`),
    ...report.projects.flatMap((p) => [...p.skipped.map((s) => `${p.name}: skipped ${s.item}: ${s.reason}`), ...p.warnings.map((w) => `${p.name}: ${w}`)]),
  ];
  if (lines.length === 0) return null;
  return h(
    'details',
    { class: 'import-details', attrs: { open: lines.length <= 6 } },
    h('summary', { text: `Notes (${lines.length}): what is skipped or changed, and why` }),
    h(
      'ul',
      { class: 'handover-list' },
      lines.map((line) => h('li', { text: line })),
    ),
  );
}

function reportBlock(report: ImportReport): HTMLElement {
  return h(
    'div',
    { class: 'import-report', data: { dryRun: String(report.dryRun) } },
    h('p', { class: 'import-summary', text: summaryLine(report) }),
    report.projects.length > 0
      ? projectCountsTable(report.projects, 'importProject', {
          more: [
            ['Already here', (p) => p.unchanged],
            ['Skipped', (p) => p.skipped.length],
          ],
          badge: (p) => (p.created ? h('span', { class: 'badge badge-info', text: 'new' }) : null),
        })
      : null,
    details(report),
  );
}

/** The "Import memory" group of the settings view. */
export function importCard(ctx: ViewContext): HTMLElement {
  const card = h('div', { class: 'card settings-group import-card', attrs: { id: 'import-memory' } });
  const rerender = () => card.replaceChildren(...build());
  const act = async (label: string, action: () => Promise<void>) => {
    form.busy = label;
    form.error = null;
    rerender();
    try {
      await action();
    } catch (error) {
      form.error = errorText(error);
    } finally {
      form.busy = null;
      rerender();
    }
  };
  const preview = () =>
    act('Reading the source…', async () => {
      form.result = null;
      form.preview = await postJson<ImportPreview>('/api/import/preview', {
        kind: form.kind,
        from: form.from.trim(),
        project: form.kind === 'dementia-export' ? undefined : form.project.trim() || undefined,
        merge: form.kind === 'claude-dementia' ? form.merge : undefined,
      });
    });
  const run = () =>
    act('Importing…', async () => {
      form.result = await postJson<ImportReport>('/api/import/run', { importId: form.preview!.importId });
      form.preview = null;
      toast(summaryLine(form.result));
    });
  const reset = () => {
    Object.assign(form, { open: false, from: '', project: '', merge: false, preview: null, result: null, error: null });
    rerender();
  };

  const build = (): Node[] => {
    const intro = h('p', {
      class: 'muted small',
      text: 'Bring in the memory of the server you used before. You see what would be imported first; the source is only read, and importing twice adds nothing.',
    });
    const head = h('h3', { class: 'card-title', text: 'Import memory' });
    if (!form.open) {
      return [
        head,
        intro,
        h(
          'div',
          { class: 'form-actions' },
          h(
            'button',
            { class: 'btn', attrs: { type: 'button' }, data: { action: 'open-import' }, on: { click: () => ((form.open = true), rerender()) } },
            'Import memory…',
          ),
        ),
      ];
    }
    const spec = KINDS.find((k) => k.kind === form.kind)!;
    const locked = form.busy !== null || form.preview !== null;
    const kind = h(
      'select',
      { class: 'select', attrs: { name: 'importKind', disabled: locked }, on: { change: () => ((form.kind = kind.value), rerender()) } },
      KINDS.map((k) => h('option', { text: k.label, attrs: { value: k.kind, selected: k.kind === form.kind } })),
    );
    const from = h('input', {
      class: 'input',
      attrs: { type: 'text', name: 'importFrom', autocomplete: 'off', spellcheck: 'false', placeholder: spec.from, value: form.from, disabled: locked },
      on: { input: () => (form.from = from.value) },
    });
    const project = h('input', {
      class: 'input',
      attrs: {
        type: 'text',
        name: 'importProject',
        autocomplete: 'off',
        list: 'import-projects',
        placeholder: spec.project,
        value: form.project,
        disabled: locked,
      },
      on: { input: () => (form.project = project.value) },
    });
    const merge = h('input', {
      class: 'switch',
      attrs: { type: 'checkbox', name: 'importMerge', role: 'switch', checked: form.merge, disabled: locked },
      on: { change: () => (form.merge = merge.checked) },
    });
    const busy = form.busy ? h('div', { class: 'connect-state is-waiting' }, h('span', { class: 'spinner' }), h('span', { text: form.busy })) : null;
    const error = form.error ? h('div', { class: 'banner banner-bad import-error' }, icon('alert'), h('pre', { text: form.error })) : null;
    const actions = form.result
      ? [h('button', { class: 'btn btn-primary', attrs: { type: 'button' }, data: { action: 'import-done' }, on: { click: reset } }, 'Done')]
      : form.preview
        ? [
            h(
              'button',
              { class: 'btn btn-quiet', attrs: { type: 'button', disabled: form.busy !== null }, on: { click: () => ((form.preview = null), rerender()) } },
              'Back',
            ),
            h(
              'button',
              {
                class: 'btn btn-primary',
                attrs: { type: 'button', disabled: form.busy !== null || added(form.preview.report) === 0 },
                data: { action: 'run-import' },
                on: { click: () => void run() },
              },
              icon('check'),
              'Import',
            ),
          ]
        : [
            h('button', { class: 'btn btn-quiet', attrs: { type: 'button', disabled: form.busy !== null }, on: { click: reset } }, 'Cancel'),
            h(
              'button',
              {
                class: 'btn btn-primary',
                attrs: { type: 'button', disabled: form.busy !== null },
                data: { action: 'preview-import' },
                on: { click: () => void preview() },
              },
              'Preview import',
              icon('arrow'),
            ),
          ];
    const nodes: (HTMLElement | null)[] = [
      head,
      intro,
      h(
        'div',
        { class: 'import-fields' },
        h('label', { class: 'field' }, h('span', { class: 'label', text: 'Import from' }), kind),
        h('label', { class: 'field import-from' }, h('span', { class: 'label', text: FROM_LABELS[form.kind] ?? 'Source' }), from),
        form.kind === 'dementia-export' ? null : h('label', { class: 'field' }, h('span', { class: 'label', text: 'Project' }), project),
        h(
          'datalist',
          { attrs: { id: 'import-projects' } },
          ctx.status.projects.map((p) => h('option', { attrs: { value: p.name } })),
        ),
      ),
      form.kind === 'claude-dementia'
        ? h(
            'div',
            { class: 'setting' },
            h(
              'div',
              { class: 'setting-text' },
              h('span', { class: 'setting-label', text: 'Merge projects with the same name' }),
              h('span', {
                class: 'muted small',
                text: 'Old projects whose names become one here ("LinkedIn", "linkedin") go into that one project; otherwise they are skipped.',
              }),
            ),
            h('div', { class: 'setting-control' }, merge),
          )
        : null,
      busy,
      error,
      form.preview
        ? h('div', { class: 'import-step' }, h('h4', { class: 'label', text: 'Dry run: nothing written yet' }), reportBlock(form.preview.report))
        : null,
      form.result ? h('div', { class: 'import-step' }, h('h4', { class: 'label', text: 'Imported' }), reportBlock(form.result)) : null,
      h('div', { class: 'form-actions' }, actions),
    ];
    return nodes.filter((node) => node !== null);
  };
  rerender();
  return card;
}
