import { adoptPageKey, ApiError, forgetPageKey, getJson, hasPageKey, postJson, readEvents, type AdminStatus } from './api.js';
import { h } from './dom.js';
import { ago } from './format.js';
import { icon } from './icons.js';
import { errorText, toast } from './toast.js';
import type { View, ViewContext } from './view-context.js';
import { activityView } from './views/activity.js';
import { clientsView } from './views/clients.js';
import { connectView } from './views/connect.js';
import { emptyState } from './views/empty-state.js';
import { handoversView } from './views/handovers.js';
import { projectsView } from './views/projects.js';
import { settingsView } from './views/settings.js';
import { syncView } from './views/sync.js';

const MAIN_VIEWS: View[] = [clientsView, projectsView, syncView, handoversView, activityView];
const MORE_VIEWS: View[] = [connectView, settingsView];
const ALL_VIEWS = [...MAIN_VIEWS, ...MORE_VIEWS];

/** Countdowns and "x min ago" move on between updates. */
const TICK_MS = 15_000;

const state = {
  status: null as AdminStatus | null,
  /** When the status arrived, by this page's clock; times are shown on the gateway's clock. */
  receivedAt: 0,
  view: 'clients',
  /** What follows the view in the address: #projects/linkedin/api%2Fauth is ['linkedin', 'api/auth']. */
  route: [] as string[],
  /** A re-render waits while the user is in a form control of the view. */
  deferred: false,
};

const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;
const live = document.getElementById('live')!;

const context: ViewContext = {
  get status() {
    return state.status!;
  },
  get route() {
    return state.route;
  },
  now: () => Date.parse(state.status!.now) + (Date.now() - state.receivedAt),
  navigate: (view) => {
    location.hash = view;
  },
  async run(action, success) {
    try {
      await action();
      if (success) toast(success);
      return true;
    } catch (error) {
      toast(errorText(error), 'error');
      return false;
    }
  },
};

const currentView = (): View => ALL_VIEWS.find((view) => view.id === state.view) ?? clientsView;

function navItem(view: View): HTMLElement {
  const badge = state.status && view.badge ? view.badge(state.status) : null;
  return h(
    'a',
    {
      class: `nav-item${view.id === state.view ? ' active' : ''}`,
      attrs: { href: `#${view.id}`, 'aria-current': view.id === state.view ? 'page' : undefined },
      data: { view: view.id },
    },
    icon(view.icon),
    h('span', { class: 'grow', text: view.title }),
    badge ? h('span', { class: `nav-badge${view.id === 'sync' ? ' nav-badge-warn' : ''}`, text: badge }) : null,
  );
}

function renderNav(): void {
  nav.replaceChildren(h('div', { class: 'nav-group' }, MAIN_VIEWS.map(navItem)), h('div', { class: 'nav-group nav-group-bottom' }, MORE_VIEWS.map(navItem)));
  const status = state.status;
  if (status) {
    document.getElementById('address')!.textContent = new URL(status.gateway.mcpUrl).host;
    const sync = status.sync;
    document.getElementById('sync-line')!.textContent = !sync.configured
      ? 'Sync not configured'
      : sync.state === 'synced'
        ? `Synced ${ago(sync.lastPushAt ?? sync.lastPullAt, context.now())}`
        : sync.state === 'offline'
          ? `Offline · ${sync.pending} waiting`
          : sync.state === 'error'
            ? 'Sync error'
            : sync.state === 'paused'
              ? 'Sync paused'
              : 'Syncing…';
  }
}

function render(force = false, news = false): void {
  if (!state.status) return;
  renderNav();
  const view = currentView();
  if (!force && view.keepOnUpdate) {
    view.update?.(context, news);
    return;
  }
  const focused = document.activeElement;
  if (!force && focused && main.contains(focused) && focused.matches('select, input, textarea')) {
    state.deferred = true;
    return;
  }
  state.deferred = false;
  const scroll = main.scrollTop;
  main.replaceChildren(view.render(context));
  if (!force) main.scrollTop = scroll;
  document.title = `${view.title} — Dementia Companion`;
}

function setStatus(status: AdminStatus): void {
  state.status = status;
  state.receivedAt = Date.now();
  document.body.dataset.updated = status.now;
  render(false, true);
}

function setLive(mode: 'live' | 'reconnecting'): void {
  live.className = `live live-${mode}`;
  live.replaceChildren(h('span', { class: 'live-dot' }), h('span', { text: mode === 'live' ? 'Live' : 'Reconnecting…' }));
}

const SIGN_IN_HINT = window.dementiaDesktop?.desktop
  ? 'Close this window and open it again from the tray: that signs it in.'
  : 'Run `dementia status` and open the statusUrl link it prints (it signs this browser in once), or open the status window from the tray.';

let signedOut = false;

function showSignedOut(byUser = false): void {
  signedOut = true;
  forgetPageKey();
  document.body.classList.add('signed-out');
  main.replaceChildren(
    emptyState('alert', byUser ? 'You signed out' : 'This page is not signed in', byUser ? `This browser no longer has access. ${SIGN_IN_HINT}` : SIGN_IN_HINT),
  );
  live.replaceChildren();
}

/** Reads the live stream; when it breaks, reconnects after a second unless the session has ended. */
async function connectEvents(): Promise<void> {
  while (!signedOut) {
    try {
      await readEvents((status) => {
        setLive('live');
        setStatus(status);
      });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) break;
    }
    if (signedOut) return;
    setLive('reconnecting');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // A restarted gateway forgets browser sign-ins, and sessions end: find out, instead of retrying forever.
    const ended = await getJson<AdminStatus>('/api/status').then(
      () => false,
      (error: unknown) => error instanceof ApiError && error.status === 401,
    );
    if (ended) break;
  }
  if (!signedOut) showSignedOut();
}

async function signOut(): Promise<void> {
  try {
    await postJson('/api/session/sign-out');
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) return void toast(errorText(error), 'error');
  }
  showSignedOut(true);
}

function readAddress(): void {
  const [view, ...route] = location.hash.slice(1).split('/');
  state.view = view || 'clients';
  state.route = route.map((part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  });
}

async function start(): Promise<void> {
  adoptPageKey();
  document.getElementById('sign-out')?.addEventListener('click', () => void signOut());
  readAddress();
  if (window.dementiaDesktop?.desktop) document.body.classList.add('in-app', `platform-${window.dementiaDesktop.platform}`);
  window.addEventListener('hashchange', () => {
    readAddress();
    render(true);
    main.scrollTop = 0;
  });
  main.addEventListener('focusout', () => setTimeout(() => state.deferred && render(), 0));
  setInterval(() => render(), TICK_MS);
  if (!hasPageKey()) return showSignedOut();
  try {
    setStatus(await getJson<AdminStatus>('/api/status'));
    render(true);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return showSignedOut();
    main.replaceChildren(emptyState('alert', 'The gateway did not answer', errorText(error)));
  }
  setLive('live');
  void connectEvents();
}

declare global {
  interface Window {
    /** Set by the desktop app's preload; absent in a browser. */
    dementiaDesktop?: { desktop: boolean; platform: string };
  }
}

void start();
