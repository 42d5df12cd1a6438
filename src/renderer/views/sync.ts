import { postJson } from '../api.js';
import { h } from '../dom.js';
import { ago, clockTime, plural } from '../format.js';
import { icon } from '../icons.js';
import { viewHeader, type View, type ViewContext } from '../view-context.js';
import { emptyState } from './empty-state.js';

interface Conflict {
  id?: string;
  project?: string;
  label?: string;
  detail?: string;
  at?: string;
}

const STATE_TEXT: Record<string, { title: string; tone: string; icon: string }> = {
  synced: { title: 'Up to date', tone: 'good', icon: 'cloud' },
  syncing: { title: 'Syncing…', tone: 'info', icon: 'sync' },
  offline: { title: 'Offline', tone: 'warn', icon: 'cloudOff' },
  error: { title: 'Sync error', tone: 'bad', icon: 'alert' },
  paused: { title: 'Paused', tone: 'neutral', icon: 'pause' },
};

function conflictsOf(detail: unknown): Conflict[] {
  const list = (detail as { conflicts?: unknown } | null)?.conflicts;
  return Array.isArray(list) ? (list as Conflict[]) : [];
}

function stat(label: string, value: string, hint?: string): HTMLElement {
  return h(
    'div',
    { class: 'stat' },
    h('span', { class: 'stat-label', text: label }),
    h('span', { class: 'stat-value', text: value }),
    hint ? h('span', { class: 'stat-hint', text: hint }) : null,
  );
}

function syncAction(ctx: ViewContext, action: 'now' | 'pause' | 'resume', message: string): Promise<boolean> {
  return ctx.run(() => postJson(`/api/sync/${action}`), message);
}

export const syncView: View = {
  id: 'sync',
  title: 'Sync',
  icon: 'sync',
  badge: (status) => (status.sync.conflicts > 0 ? String(status.sync.conflicts) : null),
  render(ctx) {
    const { sync, syncDetail } = ctx.status;
    const now = ctx.now();
    const header = viewHeader('Sync', 'Local first: every change is saved here, then pushed to your hosted Postgres.');
    if (!sync.configured) {
      return h(
        'section',
        { class: 'view' },
        header,
        emptyState(
          'cloud',
          'Sync not configured',
          'Memory stays on this machine. Add your hosted Postgres URL and API key to share it with your other machines and claude.ai.',
          h('button', { class: 'btn btn-primary', attrs: { type: 'button' }, on: { click: () => ctx.navigate('settings') } }, 'Open settings'),
        ),
      );
    }
    const state = STATE_TEXT[sync.state] ?? STATE_TEXT.synced!;
    const conflicts = conflictsOf(syncDetail);
    return h(
      'section',
      { class: 'view' },
      header,
      h(
        'div',
        { class: `card sync-hero tone-${state.tone}` },
        h('div', { class: 'sync-icon' }, icon(state.icon)),
        h(
          'div',
          { class: 'sync-text' },
          h('h2', { text: state.title }),
          h('p', {
            class: 'muted',
            text:
              sync.lastError && sync.state !== 'synced'
                ? sync.lastError
                : sync.pending > 0
                  ? `${plural(sync.pending, 'change')} waiting to be pushed`
                  : 'Nothing waiting',
          }),
        ),
        h(
          'div',
          { class: 'sync-actions' },
          h(
            'button',
            { class: 'btn', attrs: { type: 'button', disabled: sync.paused }, on: { click: () => void syncAction(ctx, 'now', 'Synced') } },
            icon('sync'),
            'Sync now',
          ),
          sync.paused
            ? h(
                'button',
                { class: 'btn btn-quiet', attrs: { type: 'button' }, on: { click: () => void syncAction(ctx, 'resume', 'Sync resumed') } },
                icon('play'),
                'Resume',
              )
            : h(
                'button',
                { class: 'btn btn-quiet', attrs: { type: 'button' }, on: { click: () => void syncAction(ctx, 'pause', 'Sync paused') } },
                icon('pause'),
                'Pause',
              ),
        ),
      ),
      h(
        'div',
        { class: 'stats' },
        stat('Waiting', String(sync.pending), 'local changes'),
        stat('Last push', ago(sync.lastPushAt, now), sync.lastPushAt ? clockTime(sync.lastPushAt, now) : undefined),
        stat('Last pull', ago(sync.lastPullAt, now), sync.lastPullAt ? clockTime(sync.lastPullAt, now) : undefined),
        stat('Conflicts', String(sync.conflicts), sync.conflicts > 0 ? 'both versions kept' : 'none'),
      ),
      conflicts.length > 0
        ? h(
            'div',
            { class: 'card list-card' },
            h('h3', { class: 'card-title', text: 'Conflicts' }),
            h('p', {
              class: 'muted small',
              text:
                'Two machines changed the same context. Both texts were kept: one became the next version.' +
                (sync.conflicts > conflicts.length ? ` The ${conflicts.length} most recent of ${sync.conflicts} are listed.` : ''),
            }),
            h(
              'ul',
              { class: 'rows' },
              conflicts.map((conflict) =>
                h(
                  'li',
                  { class: 'row' },
                  h('span', { class: 'chip', text: conflict.project ?? '' }),
                  h('strong', { text: conflict.label ?? '' }),
                  h('span', { class: 'muted grow', text: conflict.detail ?? '' }),
                  h('span', { class: 'muted nowrap', text: conflict.at ? ago(conflict.at, now) : '' }),
                ),
              ),
            ),
          )
        : null,
    );
  },
};
