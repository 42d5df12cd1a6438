import { h, type Child } from '../dom.js';
import { icon } from '../icons.js';

/** A calm, centred message for a view with nothing to show yet, with the next step. */
export function emptyState(iconName: string, title: string, text: string, ...actions: Child[]): HTMLElement {
  return h(
    'div',
    { class: 'empty' },
    h('div', { class: 'empty-icon' }, icon(iconName)),
    h('h2', { text: title }),
    h('p', { text }),
    actions.length > 0 ? h('div', { class: 'empty-actions' }, ...actions) : null,
  );
}
