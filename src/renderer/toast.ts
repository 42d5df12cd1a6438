import { h } from './dom.js';
import { icon } from './icons.js';

/** A short message at the bottom of the window, gone after a few seconds. */
export function toast(message: string, kind: 'info' | 'error' = 'info'): void {
  let host = document.getElementById('toasts');
  if (!host) {
    host = h('div', { attrs: { id: 'toasts', role: 'status', 'aria-live': 'polite' } });
    document.body.appendChild(host);
  }
  const item = h('div', { class: `toast toast-${kind}` }, icon(kind === 'error' ? 'alert' : 'check'), h('span', { text: message }));
  host.appendChild(item);
  setTimeout(() => item.classList.add('leaving'), kind === 'error' ? 6_000 : 2_600);
  setTimeout(() => item.remove(), kind === 'error' ? 6_400 : 3_000);
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
