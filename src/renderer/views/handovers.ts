import { h, type Child } from '../dom.js';
import { ago, clockTime, END_REASONS } from '../format.js';
import { viewHeader, type View } from '../view-context.js';
import { emptyState } from './empty-state.js';

/** Handovers the user opened stay open across live updates. */
const opened = new Set<string>();

/**
 * A handover's text as readable blocks: "Title:" lines become headings, "- item" lines lists,
 * the rest paragraphs. Built from text nodes only.
 */
function readable(summary: string): Child[] {
  const blocks: Child[] = [];
  let list: HTMLElement | undefined;
  for (const raw of summary.split('\n').slice(1)) {
    const line = raw.trimEnd();
    if (line.trim() === '') {
      list = undefined;
      continue;
    }
    if (/^\s*[-*] /.test(line)) {
      if (!list) {
        list = h('ul', { class: 'handover-list' });
        blocks.push(list);
      }
      list.appendChild(h('li', { text: line.replace(/^\s*[-*] /, '') }));
      continue;
    }
    list = undefined;
    if (/^[^:]{1,60}:$/.test(line)) blocks.push(h('h4', { text: line.slice(0, -1) }));
    // The first line under the title says when and how long: context, not content.
    else blocks.push(h('p', { class: blocks.length === 0 ? 'handover-lead' : undefined, text: line }));
  }
  return blocks;
}

export const handoversView: View = {
  id: 'handovers',
  title: 'Handovers',
  icon: 'handovers',
  render(ctx) {
    const { handovers } = ctx.status;
    const now = ctx.now();
    const header = viewHeader('Handovers', 'What each finished work session did, decided and left open — any client on the project can read it.');
    if (handovers.length === 0) {
      return h(
        'section',
        { class: 'view' },
        header,
        emptyState(
          'handovers',
          'No handovers yet',
          'A work session becomes a handover when the model calls end_session, when you end it here, or after the idle timeout.',
        ),
      );
    }
    return h(
      'section',
      { class: 'view' },
      header,
      h(
        'div',
        { class: 'stack' },
        handovers.map((handover) => {
          // Open by default: what each project's next session reads (a later session without work does not hide it).
          const details = h(
            'details',
            {
              class: `card handover${handover.recordsWork ? '' : ' handover-empty'}`,
              data: { handover: handover.id },
              attrs: { open: opened.has(handover.id) || (opened.size === 0 && handover.forReader) },
            },
            h(
              'summary',
              {},
              h('span', { class: 'chip', text: handover.project }),
              h('span', { class: 'handover-title', text: `from ${handover.client}` }),
              h('span', { class: 'muted grow', text: END_REASONS[handover.endReason] ?? handover.endReason }),
              handover.forReader
                ? h('span', { class: 'badge badge-info', title: 'What get_last_handover and the next session on this project read', text: 'read next' })
                : handover.recordsWork
                  ? null
                  : h('span', {
                      class: 'badge badge-neutral',
                      title: 'No changes, notes or summary: an earlier handover is read instead',
                      text: 'no work recorded',
                    }),
              h('span', { class: 'muted nowrap', title: clockTime(handover.endedAt, now), text: ago(handover.endedAt, now) }),
            ),
            h('div', { class: 'handover-body' }, readable(handover.summary)),
          );
          details.addEventListener('toggle', () => {
            if (details.open) opened.add(handover.id);
            else opened.delete(handover.id);
          });
          return details;
        }),
      ),
    );
  },
};
