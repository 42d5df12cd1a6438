import type { AdminStatus } from '../gateway/http/admin/status-view.ts';

export type { AdminStatus };

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * The page's half of its browser session (the cookie is the other half): handed to this page by
 * the sign-in response, kept in sessionStorage (this origin only, so no other port's page can read
 * it), sent as a header no other site can set. A cookie stolen by another local server is useless.
 */
const PAGE_KEY = 'dementia-admin-key';

/** Takes the key out of the sign-in page (then drops it, and the one-time code from the address bar). */
export function adoptPageKey(): void {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="dementia-admin-key"]');
  if (!meta) return;
  sessionStorage.setItem(PAGE_KEY, meta.content);
  meta.remove();
  history.replaceState(null, '', `/${location.hash}`);
}

/** False until a sign-in link has been opened in this tab (or after signing out). */
export function hasPageKey(): boolean {
  return sessionStorage.getItem(PAGE_KEY) !== null;
}

export function forgetPageKey(): void {
  sessionStorage.removeItem(PAGE_KEY);
}

function sessionHeaders(): Record<string, string> {
  return { 'x-dementia-admin': sessionStorage.getItem(PAGE_KEY) ?? '' };
}

async function parse<T>(response: Response): Promise<T> {
  const body = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok) throw new ApiError(response.status, body.error ?? `The gateway answered ${response.status}.`);
  return body as T;
}

export async function getJson<T>(path: string): Promise<T> {
  return parse<T>(await fetch(path, { credentials: 'same-origin', cache: 'no-store', headers: sessionHeaders() }));
}

/** Admin writes are JSON with this page's Origin: the gateway refuses anything else (CSRF). */
export async function postJson<T>(path: string, body: unknown = {}): Promise<T> {
  return parse<T>(
    await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', ...sessionHeaders() },
      body: JSON.stringify(body),
    }),
  );
}

/**
 * The live status stream (server-sent events read with fetch: EventSource cannot send the page key).
 * Resolves when the stream ends; rejects with ApiError 401 when the session has ended.
 */
export async function readEvents(onStatus: (status: AdminStatus) => void): Promise<void> {
  const response = await fetch('/api/events', { credentials: 'same-origin', cache: 'no-store', headers: sessionHeaders() });
  if (!response.ok || !response.body) throw new ApiError(response.status, `The gateway answered ${response.status}.`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const lines = buffer.slice(0, end).split('\n');
      buffer = buffer.slice(end + 2);
      const data = lines
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      if (lines.includes('event: status') && data) onStatus(JSON.parse(data) as AdminStatus);
    }
  }
}
