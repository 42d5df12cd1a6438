import { h } from '../dom.js';
import { ago, clockTime, plural } from '../format.js';
import { icon } from '../icons.js';
import type { ViewContext } from '../view-context.js';

type RemoteClient = ViewContext['status']['remoteClients'][number];

/** A call within this many minutes counts as active (the hosted server reports at most a minute late). */
const ACTIVE_MINUTES = 2;

function sessionLine(ctx: ViewContext, client: RemoteClient, session: RemoteClient['sessions'][number]): HTMLElement {
  const now = ctx.now();
  const idle = Math.max(0, Math.floor((now - Date.parse(session.lastActivityAt)) / 60_000));
  const state = idle < ACTIVE_MINUTES ? 'active' : `idle ${idle} min`;
  return h(
    'div',
    { class: 'session', data: { session: session.id } },
    h(
      'div',
      { class: 'session-main' },
      h('span', { class: 'chip', text: session.project }),
      // No call count: the hosted server publishes it at most once a minute, so it lags.
      h('span', { class: 'muted', text: `${client.name} · ${session.project} · ${state} · since ${clockTime(session.startedAt, now)}` }),
    ),
  );
}

function remoteCard(ctx: ViewContext, client: RemoteClient): HTMLElement {
  const now = ctx.now();
  return h(
    'article',
    { class: 'card client remote', data: { remoteClient: client.id } },
    h(
      'div',
      { class: 'client-head' },
      h('div', { class: 'avatar kind-other' }, icon('cloud')),
      h(
        'div',
        { class: 'client-title' },
        h('h2', { text: client.name }),
        h('p', { class: 'muted', text: `On the hosted server · ${client.lastSeenAt ? `last seen ${ago(client.lastSeenAt, now)}` : 'not seen yet'}` }),
      ),
      h('span', {
        class: `badge badge-${client.sessions.length > 0 ? 'good' : 'neutral'}`,
        text: client.sessions.length > 0 ? plural(client.sessions.length, 'open session') : 'no open session',
      }),
    ),
    client.sessions.length > 0
      ? h(
          'div',
          { class: 'sessions' },
          client.sessions.map((session) => sessionLine(ctx, client, session)),
        )
      : null,
  );
}

/**
 * The tenant's clients on the hosted server (claude.ai, remote Desktops), known through sync: shown
 * next to the local clients, read-only (the hosted server owns their projects and sessions).
 */
export function remoteClientsSection(ctx: ViewContext): HTMLElement | null {
  const remote = ctx.status.remoteClients;
  if (remote.length === 0) return null;
  return h(
    'section',
    { class: 'remote-clients', attrs: { 'aria-label': 'Clients on the hosted server' } },
    h('h2', { text: 'On the hosted server' }),
    h('p', {
      class: 'muted',
      text: 'Clients signed in to the hosted server with this API key, and their open work sessions. They share this memory through sync.',
    }),
    h(
      'div',
      { class: 'stack' },
      remote.map((client) => remoteCard(ctx, client)),
    ),
  );
}
