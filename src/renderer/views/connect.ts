import type { PlanView } from '../../gateway/http/admin/connect-flow.ts';
import { postJson } from '../api.js';
import { copyText } from '../clipboard.js';
import { h } from '../dom.js';
import { clockTime, kindLabel } from '../format.js';
import { icon, kindIcon } from '../icons.js';
import { toast } from '../toast.js';
import { viewHeader, type View, type ViewContext } from '../view-context.js';

const KINDS = [
  { kind: 'claude-desktop', hint: 'Writes claude_desktop_config.json' },
  { kind: 'claude-code', hint: 'A command, or .mcp.json in a repository' },
  { kind: 'cursor', hint: 'Writes ~/.cursor/mcp.json' },
  { kind: 'vscode', hint: 'Writes your VS Code mcp.json' },
];

/** The form survives live updates and switching views. */
const form = {
  kind: 'claude-code',
  name: '',
  project: '',
  repoDir: '',
  plan: null as PlanView | null,
  written: null as { path: string; backupPath: string | null } | null,
};

function diffBlock(diff: string): HTMLElement {
  return h(
    'pre',
    { class: 'diff', attrs: { 'aria-label': 'Changes to the file' } },
    diff.split('\n').map((line) => {
      const kind = line.startsWith('+++') || line.startsWith('---') ? 'meta' : line.startsWith('@@') ? 'hunk' : line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : 'ctx';
      return h('span', { class: `diff-${kind}`, text: `${line}\n` });
    }),
  );
}

function copyButton(label: string, text: string): HTMLElement {
  return h('button', { class: 'btn', attrs: { type: 'button' }, on: { click: () => void copyText(text).then(() => toast('Copied'), (e: Error) => toast(e.message, 'error')) } }, icon('copy'), label);
}

async function preview(ctx: ViewContext, rerender: () => void): Promise<void> {
  const earlier = form.plan;
  const ok = await ctx.run(async () => {
    // A different client kind or name is a new client; the unused one from the last preview goes.
    const samePlan = earlier && earlier.kind === form.kind && (form.name.trim() === '' || form.name.trim() === earlier.client.name);
    if (earlier && !samePlan) await postJson('/api/connect/cancel', { planId: earlier.planId });
    form.plan = await postJson<PlanView>('/api/connect/plan', {
      kind: form.kind,
      name: form.name.trim() || undefined,
      project: form.project || undefined,
      repoDir: form.repoDir.trim() || undefined,
      planId: samePlan ? earlier.planId : undefined,
    });
    form.written = null;
  });
  if (!ok && earlier) form.plan = null;
  rerender();
}

function connectionState(ctx: ViewContext): HTMLElement {
  const plan = form.plan;
  if (!plan) return h('div', { attrs: { id: 'connect-state' } });
  const client = ctx.status.clients.find((c) => c.id === plan.client.id);
  const connected = client && (client.lastSeenAt !== null || client.connections > 0);
  return h(
    'div',
    { class: `connect-state ${connected ? 'is-connected' : 'is-waiting'}`, attrs: { id: 'connect-state' } },
    connected
      ? [icon('check'), h('span', { text: `${plan.client.name} is connected${client.lastSeenAt ? ` — first call at ${clockTime(client.lastSeenAt, ctx.now())}` : ''}.` })]
      : [h('span', { class: 'spinner' }), h('span', { text: `Waiting for ${plan.client.name} to connect… Restart or reload it after writing the config.` })],
  );
}

function planCard(ctx: ViewContext, rerender: () => void): HTMLElement | null {
  const plan = form.plan;
  if (!plan) return null;
  const write = async () => {
    const ok = await ctx.run(async () => {
      // Through a symbolic link only to the target shown here: the gateway checks it is still the same.
      form.written = await postJson<{ path: string; backupPath: string | null }>('/api/connect/apply', { planId: plan.planId, confirmTarget: plan.realPath ?? undefined });
    }, 'Config written');
    if (ok) rerender();
  };
  const fileName = plan.path ? plan.path.split(/[\\/]/).pop() : '';
  return h(
    'div',
    { class: 'card plan' },
    h('div', { class: 'plan-head' }, h('div', { class: `avatar kind-${plan.kind}` }, icon(kindIcon(plan.kind))), h('div', {}, h('h3', { text: plan.client.name }), h('p', { class: 'muted', text: plan.instructions }))),
    plan.path
      ? h(
          'div',
          { class: 'plan-file' },
          h('div', { class: 'file-line' }, icon('file'), h('code', { text: plan.path }), plan.unchanged ? h('span', { class: 'badge badge-good', text: 'already configured' }) : null),
          plan.realPath
            ? h('p', { class: 'link-warning', attrs: { role: 'alert' } }, icon('alert'), h('span', { text: `This file is a symbolic link to ${plan.realPath}. Writing changes that file; make sure it is this client’s own config.` }))
            : null,
          plan.diff ? diffBlock(plan.diff) : null,
          form.written
            ? h('p', { class: 'written' }, icon('check'), `Written to ${form.written.path}`, form.written.backupPath ? ` (backup: ${form.written.backupPath})` : '')
            : null,
        )
      : null,
    plan.command ? h('div', { class: 'plan-command' }, h('span', { class: 'label', text: plan.path ? 'Or run this command instead' : 'Run this command' }), h('pre', { class: 'code', text: plan.command })) : null,
    plan.holdsToken ? h('p', { class: 'muted small', text: 'The config holds this client’s own token. Keep it out of version control.' }) : null,
    h(
      'div',
      { class: 'plan-actions' },
      plan.writable && !form.written && !plan.unchanged
        ? h('button', { class: 'btn btn-primary', attrs: { type: 'button' }, on: { click: () => void write() } }, icon('check'), plan.realPath ? `Write the linked file ${plan.realPath}` : `Write ${fileName}`)
        : null,
      plan.command ? copyButton('Copy command', plan.command) : null,
      copyButton('Copy snippet', plan.snippet),
      h(
        'button',
        {
          class: 'btn btn-quiet',
          attrs: { type: 'button' },
          on: {
            click: () =>
              void ctx
                .run(() => postJson('/api/connect/cancel', { planId: plan.planId }))
                .then(() => {
                  form.plan = null;
                  form.written = null;
                  rerender();
                }),
          },
        },
        'Start over',
      ),
    ),
    connectionState(ctx),
  );
}

export const connectView: View = {
  id: 'connect',
  title: 'Connect a client',
  icon: 'connect',
  keepOnUpdate: true,
  update(ctx) {
    document.getElementById('connect-state')?.replaceWith(connectionState(ctx));
  },
  render(ctx) {
    const root = h('section', { class: 'view' });
    const rerender = () => root.replaceChildren(...build());
    const build = (): Node[] => {
      const tiles = h(
        'div',
        { class: 'kind-tiles', attrs: { role: 'radiogroup', 'aria-label': 'Client' } },
        KINDS.map(({ kind, hint }) =>
          h(
            'button',
            {
              class: `kind-tile${form.kind === kind ? ' selected' : ''}`,
              attrs: { type: 'button', role: 'radio', 'aria-checked': form.kind === kind ? 'true' : 'false' },
              data: { kind },
              on: {
                click: () => {
                  form.kind = kind;
                  rerender();
                },
              },
            },
            h('div', { class: `avatar kind-${kind}` }, icon(kindIcon(kind))),
            h('strong', { text: kindLabel(kind) }),
            h('span', { class: 'muted small', text: hint }),
          ),
        ),
      );
      const nameInput = h('input', { class: 'input', attrs: { type: 'text', name: 'name', placeholder: kindLabel(form.kind), value: form.name, maxlength: '100' }, on: { input: () => (form.name = nameInput.value) } });
      const projectSelect = h(
        'select',
        { class: 'select', attrs: { name: 'project' }, on: { change: () => (form.project = projectSelect.value) } },
        h('option', { text: 'Don’t pin', attrs: { value: '', selected: form.project === '' } }),
        ctx.status.projects.map((p) => h('option', { text: p.name, attrs: { value: p.name, selected: form.project === p.name } })),
      );
      const repoInput = h('input', { class: 'input', attrs: { type: 'text', name: 'repoDir', placeholder: 'Empty: your user config', value: form.repoDir }, on: { input: () => (form.repoDir = repoInput.value) } });
      const repoField = form.kind === 'claude-desktop' ? null : h('label', { class: 'field' }, h('span', { class: 'label', text: 'Repository folder (optional)' }), repoInput);
      return [
        viewHeader('Connect a client', 'Pick a client; see exactly what will be written before anything changes.'),
        h(
          'div',
          { class: 'card form-card' },
          tiles,
          h('div', { class: 'fields' }, h('label', { class: 'field' }, h('span', { class: 'label', text: 'Name' }), nameInput), h('label', { class: 'field' }, h('span', { class: 'label', text: 'Pin a project' }), projectSelect), repoField),
          h('div', { class: 'form-actions' }, h('button', { class: 'btn btn-primary', attrs: { type: 'button' }, data: { action: 'preview' }, on: { click: () => void preview(ctx, rerender) } }, form.plan ? 'Preview again' : 'Preview changes', icon('arrow'))),
        ),
        planCard(ctx, rerender),
      ].filter((node): node is HTMLElement => node !== null);
    };
    rerender();
    return root;
  },
};
