import type { AdminStatus } from './api.js';

/** What every view gets: the latest status, the gateway's clock, and ways to act. */
export interface ViewContext {
  status: AdminStatus;
  /** The address after the view: #projects/linkedin/api%2Fauth gives ['linkedin', 'api/auth']. */
  route: string[];
  /** Now on the gateway's clock (the status says when it was taken; the page adds the time since). */
  now(): number;
  navigate(view: string): void;
  /** Runs an action, shows its error as a toast, and a success message if given. */
  run(action: () => Promise<unknown>, success?: string): Promise<boolean>;
}

export interface View {
  id: string;
  title: string;
  icon: string;
  render(ctx: ViewContext): Node;
  /**
   * Views holding a form are not rebuilt on every status update (typing must not be lost); they
   * refresh their live parts here instead. `news`: a new status arrived (not only the clock ticked).
   */
  keepOnUpdate?: boolean;
  update?(ctx: ViewContext, news: boolean): void;
  /** A number shown beside the view in the sidebar. */
  badge?(status: AdminStatus): string | null;
}

export function viewHeader(title: string, subtitle: string, ...actions: Node[]): HTMLElement {
  const header = document.createElement('header');
  header.className = 'view-header';
  const text = document.createElement('div');
  const h1 = document.createElement('h1');
  h1.textContent = title;
  const p = document.createElement('p');
  p.textContent = subtitle;
  text.append(h1, p);
  const tools = document.createElement('div');
  tools.className = 'view-actions';
  tools.append(...actions);
  header.append(text, tools);
  return header;
}
