import { postJson } from '../api.js';
import { h } from '../dom.js';
import { ago, clockTime, duration, kindLabel, plural } from '../format.js';
import { icon, kindIcon } from '../icons.js';
import { toast } from '../toast.js';
import { viewHeader, type View, type ViewContext } from '../view-context.js';
import { emptyState } from './empty-state.js';
import { remoteClientsSection } from './remote-clients.js';

type Client = ViewContext['status']['clients'][number];
type Session = Client['sessions'][number];

const NO_PROJECT = '';

function projectPicker(ctx: ViewContext, client: Client): HTMLElement {
  const select = h(
    'select',
    {
      class: 'select',
      attrs: { 'aria-label': `Project of ${client.name}`, disabled: client.pinned },
      data: { client: client.id },
      on: {
        change: () => {
          const project = select.value === NO_PROJECT ? null : select.value;
          void ctx.run(
            () => postJson(`/api/clients/${encodeURIComponent(client.id)}/project`, { project }),
            project ? `${client.name} now works on ${project}` : `${client.name} has no project now`,
          );
        },
      },
    },
    h('option', { text: 'No project', attrs: { value: NO_PROJECT, selected: client.project === null } }),
    ctx.status.projects.map((project) => h('option', { text: project.name, attrs: { value: project.name, selected: client.project === project.name } })),
  );
  return h(
    'label',
    { class: 'project-picker' },
    h('span', { class: 'label', text: 'Project' }),
    select,
    client.pinned ? h('span', { class: 'hint', text: 'Pinned in its config' }) : null,
  );
}

function countdown(ctx: ViewContext, session: Session): HTMLElement {
  const idle = ctx.status.idleMinutes;
  const elapsed = (ctx.now() - Date.parse(ctx.status.now)) / 60_000;
  const left = Math.max(0, session.minutesUntilHandover - elapsed);
  const bar = h('span', { class: 'bar-fill' });
  bar.style.width = `${Math.max(2, Math.min(100, (left / idle) * 100))}%`;
  return h(
    'div',
    { class: 'countdown', title: `A work session becomes a handover after ${duration(idle)} without a call.` },
    h('div', { class: `bar${left < idle * 0.15 ? ' bar-low' : ''}` }, bar),
    h('span', { class: 'countdown-text', text: left <= 0 ? 'Handover due now' : `Handover in ${duration(left)}` }),
  );
}

function sessionRow(ctx: ViewContext, session: Session): HTMLElement {
  const now = ctx.now();
  return h(
    'div',
    { class: 'session', data: { session: session.id } },
    h(
      'div',
      { class: 'session-main' },
      h('span', { class: 'chip', text: session.project }),
      h(
        'span',
        { class: 'muted' },
        `Work session since ${clockTime(session.startedAt, now)} · ${plural(session.callCount, 'call')}`,
        session.lastTool ? [' · last ', h('code', { text: session.lastTool }), ` ${ago(session.lastActivityAt, now)}`] : null,
        session.instanceKey ? h('span', { class: 'instance', title: session.instanceKey, text: ` · ${shortInstance(session.instanceKey)}` }) : null,
      ),
    ),
    countdown(ctx, session),
  );
}

/** A working directory is long; its last folder says enough. */
function shortInstance(key: string): string {
  const parts = key.split(/[\\/]/).filter(Boolean);
  return parts.length > 0 ? parts[parts.length - 1]! : key;
}

const STATE_CLASS: Record<string, string> = {
  active: 'good',
  idle: 'warn',
  'handover-written': 'info',
  connected: 'good',
  'never-connected': 'neutral',
  disconnected: 'neutral',
};

function clientCard(ctx: ViewContext, client: Client): HTMLElement {
  const now = ctx.now();
  const connected = client.connections > 0;
  // While connected: its sessions and last request; after they closed: when it was last connected.
  const presence = connected
    ? [h('span', { class: 'online', text: plural(client.connections, 'connection') }), ` · last contact ${ago(client.lastContactAt, now)}`]
    : client.lastContactAt
      ? [`last connected ${ago(client.lastContactAt, now)}`]
      : ['not connected yet'];
  const calls = client.lastSeenAt ? ` · last call ${ago(client.lastSeenAt, now)}` : client.lastContactAt ? ' · no tool call yet' : '';
  // The badge stays short: the line under the name has the times.
  const badge =
    { connected: 'connected', disconnected: 'not connected', 'handover-written': 'handover written' }[client.activity.kind as string] ?? client.activityLabel;
  return h(
    'article',
    { class: 'card client', data: { client: client.id } },
    h(
      'div',
      { class: 'client-head' },
      h('div', { class: `avatar kind-${client.kind}` }, icon(kindIcon(client.kind))),
      h('div', { class: 'client-title' }, h('h2', { text: client.name }), h('p', { class: 'muted' }, kindLabel(client.kind), ' · ', presence, calls)),
      h('span', { class: `badge badge-${STATE_CLASS[client.activity.kind] ?? 'neutral'}`, data: { state: client.activity.kind }, text: badge }),
    ),
    h(
      'div',
      { class: 'client-controls' },
      projectPicker(ctx, client),
      h(
        'button',
        {
          class: 'btn btn-quiet',
          attrs: { type: 'button', disabled: client.sessions.length === 0 },
          title: 'Finish the open work session now and write its handover',
          on: {
            click: () =>
              // The gateway says what it wrote, and which handover the next session reads.
              void ctx.run(async () => toast((await postJson<{ message: string }>(`/api/clients/${encodeURIComponent(client.id)}/end-session`)).message)),
          },
        },
        icon('stop'),
        'End session now',
      ),
    ),
    client.sessions.length > 0
      ? h(
          'div',
          { class: 'sessions' },
          client.sessions.map((session) => sessionRow(ctx, session)),
        )
      : h('p', {
          class: 'no-session muted',
          text: client.project ? `No open work session. The next call starts one on ${client.project}.` : 'No open work session.',
        }),
  );
}

export const clientsView: View = {
  id: 'clients',
  title: 'Clients',
  icon: 'clients',
  badge: (status) => (status.clients.length > 0 ? String(status.clients.length) : null),
  render(ctx) {
    const { clients } = ctx.status;
    const connect = h(
      'button',
      { class: 'btn btn-primary', attrs: { type: 'button' }, on: { click: () => ctx.navigate('connect') } },
      icon('plug'),
      'Connect a client',
    );
    if (clients.length === 0) {
      return h(
        'section',
        { class: 'view' },
        viewHeader('Clients', 'Every Claude client on this machine, and the project each one works on.'),
        emptyState(
          'clients',
          'No clients yet',
          'Connect Claude Desktop, Claude Code, Cursor or VS Code, and they share one memory — each on its own project.',
          connect,
        ),
        remoteClientsSection(ctx),
      );
    }
    return h(
      'section',
      { class: 'view' },
      viewHeader('Clients', 'Each client keeps its own project; a change applies to its next tool call.', connect),
      h(
        'div',
        { class: 'stack' },
        clients.map((client) => clientCard(ctx, client)),
      ),
      remoteClientsSection(ctx),
    );
  },
};
