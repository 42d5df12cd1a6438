import type { AppliedView, PlanView } from '../../gateway/http/admin/connect-flow.ts';
import { postJson } from '../api.js';
import { copyText } from '../clipboard.js';
import { h } from '../dom.js';
import { clockTime, KIND_LABELS, kindLabel } from '../format.js';
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
  applied: null as AppliedView | null,
  /** The user's consent to replace the client's token (only asked when the preview says so). */
  confirmRotate: false,
};

function resetForm(): void {
  Object.assign(form, { name: '', project: '', repoDir: '', plan: null, applied: null, confirmRotate: false });
}

function diffBlock(diff: string): HTMLElement {
  return h(
    'pre',
    { class: 'diff', attrs: { 'aria-label': 'Changes to the file' } },
    diff.split('\n').map((line) => {
      const kind =
        line.startsWith('+++') || line.startsWith('---')
          ? 'meta'
          : line.startsWith('@@')
            ? 'hunk'
            : line.startsWith('+')
              ? 'add'
              : line.startsWith('-')
                ? 'del'
                : 'ctx';
      return h('span', { class: `diff-${kind}`, text: `${line}\n` });
    }),
  );
}

function copyButton(label: string, text: string): HTMLElement {
  return h(
    'button',
    {
      class: 'btn',
      attrs: { type: 'button' },
      on: {
        click: () =>
          void copyText(text).then(
            () => toast('Copied'),
            (e: Error) => toast(e.message, 'error'),
          ),
      },
    },
    icon('copy'),
    label,
  );
}

/** A preview changes nothing on the gateway: no client is registered and no token is issued. */
async function preview(ctx: ViewContext, rerender: () => void): Promise<void> {
  const ok = await ctx.run(async () => {
    form.plan = await postJson<PlanView>('/api/connect/plan', {
      kind: form.kind,
      name: form.name.trim() || undefined,
      project: form.project || undefined,
      repoDir: form.repoDir.trim() || undefined,
    });
    form.applied = null;
    form.confirmRotate = false;
  });
  if (!ok) form.plan = null;
  rerender();
}

function connectionState(ctx: ViewContext): HTMLElement {
  const plan = form.plan;
  const id = form.applied?.client.id ?? plan?.client.id ?? null;
  // Before writing, a new client does not exist yet: there is nothing to wait for.
  if (!plan || id === null || (!form.applied && !plan.unchanged && plan.tokenAction !== 'reuse')) return h('div', { attrs: { id: 'connect-state' } });
  const client = ctx.status.clients.find((c) => c.id === id);
  const connected = client && (client.lastSeenAt !== null || client.connections > 0);
  return h(
    'div',
    { class: `connect-state ${connected ? 'is-connected' : 'is-waiting'}`, attrs: { id: 'connect-state' } },
    connected
      ? [
          icon('check'),
          h('span', { text: `${plan.client.name} is connected${client.lastSeenAt ? ` — first call at ${clockTime(client.lastSeenAt, ctx.now())}` : ''}.` }),
        ]
      : [
          h('span', { class: 'spinner' }),
          h('span', {
            text: `Waiting for ${plan.client.name} to connect… ${plan.path ? 'Restart or reload it after writing the config.' : 'Run the command, then start it.'}`,
          }),
        ],
  );
}

/** The warning shown before a token is replaced, with the consent the write needs. */
function rotationWarning(plan: PlanView, rerender: () => void): HTMLElement | null {
  if (!plan.consequence || form.applied) return null;
  const consent = h('input', {
    attrs: { type: 'checkbox', name: 'confirmRotate', checked: form.confirmRotate },
    on: {
      change: () => {
        form.confirmRotate = consent.checked;
        rerender();
      },
    },
  });
  return h(
    'div',
    { class: 'banner banner-warn banner-stack', attrs: { role: 'alert' } },
    h('div', { class: 'banner-line' }, icon('alert'), h('span', { text: plan.consequence })),
    h('label', { class: 'consent' }, consent, h('span', { text: `Issue a new token for ${plan.client.name}` })),
  );
}

function planCard(ctx: ViewContext, rerender: () => void): HTMLElement | null {
  const plan = form.plan;
  if (!plan) return null;
  const applied = form.applied;
  const blocked = plan.consequence !== null && !form.confirmRotate;
  const write = async () => {
    const ok = await ctx.run(
      async () => {
        // Through a symbolic link only to the target shown here: the gateway checks it is still the same.
        form.applied = await postJson<AppliedView>('/api/connect/apply', {
          planId: plan.planId,
          rotateToken: form.confirmRotate,
          confirmTarget: plan.realPath ?? undefined,
        });
      },
      plan.path ? 'Config written' : 'Token created',
    );
    if (ok) rerender();
  };
  const fileName = plan.path ? plan.path.split(/[\\/]/).pop() : '';
  // Until writing issues the token, a command or snippet holds a placeholder: nothing to copy yet.
  const hasToken = applied !== null || plan.tokenAction === 'reuse' || plan.tokenAction === 'none';
  const command = applied?.command ?? plan.command;
  const snippet = applied?.snippet ?? plan.snippet;
  const commandOnly = plan.path === null && plan.command !== null;
  return h(
    'div',
    { class: 'card plan' },
    h(
      'div',
      { class: 'plan-head' },
      h('div', { class: `avatar kind-${plan.kind}` }, icon(kindIcon(plan.kind))),
      h(
        'div',
        { class: 'grow' },
        h(
          'h3',
          {},
          plan.client.name,
          ' ',
          h('span', {
            class: `badge ${plan.client.exists ? 'badge-neutral' : 'badge-info'}`,
            data: { role: 'client-state' },
            text: plan.client.exists ? 'existing client' : 'new client',
          }),
        ),
        h('p', { class: 'muted', text: plan.instructions }),
      ),
    ),
    plan.effects.length > 0 && !applied
      ? h(
          'ul',
          { class: 'plan-effects' },
          plan.effects.map((effect) => h('li', { text: effect })),
        )
      : null,
    rotationWarning(plan, rerender),
    plan.path
      ? h(
          'div',
          { class: 'plan-file' },
          h(
            'div',
            { class: 'file-line' },
            icon('file'),
            h('code', { text: plan.path }),
            plan.unchanged ? h('span', { class: 'badge badge-good', text: 'already configured' }) : null,
          ),
          plan.realPath
            ? h(
                'p',
                { class: 'link-warning', attrs: { role: 'alert' } },
                icon('alert'),
                h('span', { text: `This file is a symbolic link to ${plan.realPath}. Writing changes that file; make sure it is this client’s own config.` }),
              )
            : null,
          plan.diff ? diffBlock(plan.diff) : null,
        )
      : null,
    applied
      ? h(
          'ul',
          { class: 'written', data: { role: 'done' } },
          applied.done.map((line) => h('li', {}, icon('check'), line)),
        )
      : null,
    commandOnly && plan.alreadyConfigured && !applied
      ? h(
          'p',
          { class: 'file-line', data: { role: 'already-configured' } },
          icon('check'),
          h('span', { text: 'Claude Code already has this server in user scope (~/.claude.json): already configured, nothing to run.' }),
        )
      : command
        ? h(
            'div',
            { class: 'plan-command' },
            h('span', { class: 'label', text: plan.path ? 'Or run this command instead' : 'Run this command' }),
            h('pre', { class: 'code', text: command }),
            hasToken ? null : h('span', { class: 'hint', text: 'The token is filled in once it is created.' }),
          )
        : null,
    plan.holdsToken && plan.path ? h('p', { class: 'muted small', text: 'The config holds this client’s own token. Keep it out of version control.' }) : null,
    h(
      'div',
      { class: 'plan-actions' },
      plan.writable && !applied && !plan.unchanged
        ? h(
            'button',
            { class: 'btn btn-primary', attrs: { type: 'button', disabled: blocked }, data: { action: 'write' }, on: { click: () => void write() } },
            icon('check'),
            plan.realPath ? `Write the linked file ${plan.realPath}` : `Write ${fileName}`,
          )
        : null,
      commandOnly && !applied && !hasToken
        ? h(
            'button',
            { class: 'btn btn-primary', attrs: { type: 'button', disabled: blocked }, data: { action: 'issue' }, on: { click: () => void write() } },
            icon('check'),
            plan.tokenAction === 'rotate' ? 'Issue the new token' : `Register ${plan.client.name}`,
          )
        : null,
      command && hasToken && !(commandOnly && plan.alreadyConfigured && !applied) ? copyButton('Copy command', command) : null,
      hasToken ? copyButton('Copy snippet', snippet) : null,
      h(
        'button',
        {
          class: 'btn btn-quiet',
          attrs: { type: 'button' },
          data: { action: 'start-over' },
          on: {
            click: () =>
              void ctx
                .run(() => postJson('/api/connect/cancel', { planId: plan.planId }))
                .then(() => {
                  resetForm();
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
                  // A name that only echoed the previous kind ("Cursor") would name the wrong client.
                  if (Object.values(KIND_LABELS).includes(form.name.trim())) form.name = '';
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
      const nameInput = h('input', {
        class: 'input',
        attrs: { type: 'text', name: 'name', placeholder: kindLabel(form.kind), value: form.name, maxlength: '100' },
        on: { input: () => (form.name = nameInput.value) },
      });
      const projectSelect = h(
        'select',
        { class: 'select', attrs: { name: 'project' }, on: { change: () => (form.project = projectSelect.value) } },
        h('option', { text: 'Don’t pin', attrs: { value: '', selected: form.project === '' } }),
        ctx.status.projects.map((p) => h('option', { text: p.name, attrs: { value: p.name, selected: form.project === p.name } })),
      );
      const repoInput = h('input', {
        class: 'input',
        attrs: { type: 'text', name: 'repoDir', placeholder: 'Empty: your user config', value: form.repoDir },
        on: { input: () => (form.repoDir = repoInput.value) },
      });
      const repoField =
        form.kind === 'claude-desktop' ? null : h('label', { class: 'field' }, h('span', { class: 'label', text: 'Repository folder (optional)' }), repoInput);
      return [
        viewHeader('Connect a client', 'Pick a client; see exactly what will be written before anything changes.'),
        h(
          'div',
          { class: 'card form-card' },
          tiles,
          h(
            'div',
            { class: 'fields' },
            h('label', { class: 'field' }, h('span', { class: 'label', text: 'Name' }), nameInput),
            h('label', { class: 'field' }, h('span', { class: 'label', text: 'Pin a project' }), projectSelect),
            repoField,
          ),
          h(
            'div',
            { class: 'form-actions' },
            h(
              'button',
              { class: 'btn btn-primary', attrs: { type: 'button' }, data: { action: 'preview' }, on: { click: () => void preview(ctx, rerender) } },
              form.plan ? 'Preview again' : 'Preview changes',
              icon('arrow'),
            ),
          ),
        ),
        planCard(ctx, rerender),
      ].filter((node): node is HTMLElement => node !== null);
    };
    rerender();
    return root;
  },
};
