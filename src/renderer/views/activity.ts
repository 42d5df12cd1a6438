import { h } from '../dom.js';
import { clockTime } from '../format.js';
import { viewHeader, type View } from '../view-context.js';
import { emptyState } from './empty-state.js';

export const activityView: View = {
  id: 'activity',
  title: 'Activity',
  icon: 'activity',
  render(ctx) {
    const { activity } = ctx.status;
    const now = ctx.now();
    const header = viewHeader('Activity', 'The latest tool calls of every client, as they happen.');
    if (activity.length === 0) {
      return h(
        'section',
        { class: 'view' },
        header,
        emptyState('activity', 'Quiet so far', 'Tool calls from your clients appear here the moment they happen.'),
      );
    }
    return h(
      'section',
      { class: 'view' },
      header,
      h(
        'div',
        { class: 'card list-card' },
        h(
          'ul',
          { class: 'rows activity' },
          activity.map((entry) =>
            h(
              'li',
              { class: `row${entry.ok ? '' : ' row-failed'}`, data: { tool: entry.tool } },
              h('span', { class: 'muted time nowrap', text: clockTime(entry.at, now) }),
              h('span', { class: `dot ${entry.ok ? 'dot-ok' : 'dot-bad'}`, title: entry.ok ? 'succeeded' : 'failed' }),
              h('span', { class: 'who nowrap', text: entry.client ?? 'unknown client' }),
              entry.project ? h('span', { class: 'chip', text: entry.project }) : h('span', { class: 'chip chip-empty', text: 'no project' }),
              h('code', { class: 'tool', text: entry.tool }),
              h('span', { class: 'muted grow ellipsis', title: entry.summary, text: entry.summary }),
            ),
          ),
        ),
      ),
    );
  },
};
