import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';

/** Where the sign-in pages load their styles and icon from. */
export const ASSETS_PATH = '/oauth/assets';

const RENDERER = new URL('../../../renderer/', import.meta.url);

/** The status window's own stylesheet and icon (one look for both), and the sign-in page's additions. */
const FILES: Record<string, { url: URL; type: string }> = {
  'styles.css': { url: new URL('styles.css', RENDERER), type: 'text/css; charset=utf-8' },
  'icon.svg': { url: new URL('icon.svg', RENDERER), type: 'image/svg+xml' },
  'sign-in.css': { url: new URL('sign-in.css', import.meta.url), type: 'text/css; charset=utf-8' },
};

const cache = new Map<string, Buffer>();

/** Serves `<ASSETS_PATH>/<name>`; false when the name is not one of the assets. */
export function serveSignInAsset(name: string, res: ServerResponse): boolean {
  const file = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
  if (!file) return false;
  let body = cache.get(name);
  if (!body) {
    body = readFileSync(fileURLToPath(file.url));
    cache.set(name, body);
  }
  res.writeHead(200, {
    'content-type': file.type,
    'content-length': String(body.length),
    'x-content-type-options': 'nosniff',
    'cache-control': 'public, max-age=300',
  });
  res.end(body);
  return true;
}
