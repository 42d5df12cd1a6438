import { html, type SafeHtml } from './html.ts';
import { ASSETS_PATH } from './sign-in-assets.ts';

export interface SignInView {
  /** Where the form posts (this sign-in's own URL). */
  action: string;
  /** The registered name of the client that asks. */
  clientName: string;
  /** Where the browser goes afterwards: the scheme and host of the client's redirect URI (see redirectTargetOf). */
  redirectTarget: string;
  /** This server, as the brand line shows it. */
  serverHost: string;
  error?: string | undefined;
  asNewClient?: boolean;
}

export interface MessageView {
  title: string;
  message: string;
  hint: string;
  serverHost: string;
}

/** The page a user sees when a client asks to connect: one API key field and one Allow button. */
export function signInPage(view: SignInView): string {
  const body = html` <h1>Connect ${view.clientName}</h1>
    <p class="muted lead">This client asks to use your memory on this server. Paste your API key to allow it.</p>
    <div class="requester">
      <div class="avatar" aria-hidden="true">${initial(view.clientName)}</div>
      <div class="grow">
        <div class="requester-name ellipsis">${view.clientName}</div>
        <div class="muted small">Returns you to <span class="mono">${view.redirectTarget}</span></div>
      </div>
    </div>
    ${view.error ? html`<div class="banner banner-bad" role="alert" id="sign-in-error">${view.error}</div>` : ''}
    <form method="post" action="${view.action}" class="sign-in-form">
      <label class="field" for="api-key">
        <span class="label">API key</span>
        <input class="input" id="api-key" name="api_key" type="password" autocomplete="off" spellcheck="false" required autofocus />
      </label>
      <label class="check" for="as-new-client">
        <input id="as-new-client" name="as_new_client" type="checkbox" value="1" ${view.asNewClient ? html` checked` : ''} />
        <span>
          <span class="check-title">Connect as a new client</span>
          <span class="hint"
            >Unticked, if ${view.clientName} signed in here before with this key, it continues as that client, with its project and work session.</span
          >
        </span>
      </label>
      <button class="btn btn-primary allow" type="submit">Allow</button>
    </form>
    <p class="hint footnote">The client never sees your key: it gets a token of its own, which the server operator can revoke.</p>`;
  return page(`Connect ${view.clientName}`, view.serverHost, body);
}

/** A page that explains why this sign-in cannot go on (expired, invalid request, store down). */
export function messagePage(view: MessageView): string {
  const body = html` <h1>${view.title}</h1>
    <div class="banner banner-bad" role="alert">${view.message}</div>
    <p class="muted">${view.hint}</p>`;
  return page(view.title, view.serverHost, body);
}

/**
 * No script at all; styles and images from this server only; the form may go to this server and,
 * through the redirects that finish the sign-in, to the client's redirect URI.
 */
export function pageHeaders(formTargets: readonly string[] = []): Record<string, string> {
  const formAction = formTargets.length > 0 ? `'self' ${formTargets.join(' ')}` : "'none'";
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': `default-src 'none'; style-src 'self'; img-src 'self'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    // same-origin, not no-referrer: with no-referrer the form's Origin would be "null" (see SignInRoute).
    'referrer-policy': 'same-origin',
    'cache-control': 'no-store',
  };
}

/** The CSP source that lets a form's redirects reach a redirect URI: its origin, or its scheme for app URIs. */
export function formTargetOf(redirectUri: string): string | undefined {
  const url = URL.parse(redirectUri);
  if (!url) return undefined;
  if (url.protocol === 'http:' || url.protocol === 'https:') return url.origin;
  return /^[a-z][a-z0-9+.-]*:$/i.test(url.protocol) ? url.protocol : undefined;
}

const initial = (name: string): string => (name.trim()[0] ?? '?').toUpperCase();

function page(title: string, serverHost: string, body: SafeHtml): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>${title} · Dementia Companion</title>
        <link rel="icon" href="${ASSETS_PATH}/icon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="${ASSETS_PATH}/styles.css" />
        <link rel="stylesheet" href="${ASSETS_PATH}/sign-in.css" />
      </head>
      <body class="sign-in-page">
        <main class="card sign-in-card">
          <div class="brand">
            <img src="${ASSETS_PATH}/icon.svg" alt="" width="32" height="32" />
            <div class="brand-text">
              <strong>Dementia Companion</strong>
              <span class="muted">${serverHost}</span>
            </div>
          </div>
          ${body}
        </main>
      </body>
    </html> `.text;
}
