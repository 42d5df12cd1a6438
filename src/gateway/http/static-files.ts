import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RENDERER_DIR = fileURLToPath(new URL('../../renderer/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Every file of the status page, with TypeScript sources listed under the .js name they are served as. */
function rendererFiles(dir: string): string[] {
  const names = readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((name) => name.split('\\').join('/'));
  return [...new Set(names.filter((name) => extname(name) in TYPES || name.endsWith('.ts')).map((name) => name.replace(/\.ts$/, '.js')))];
}

type Amaro = typeof import('amaro');
let amaro: Amaro | undefined;

/**
 * A checkout's renderer source as browser JavaScript: its types erased (the renderer uses only
 * erasable syntax, tsconfig's erasableSyntaxOnly), each replaced by white space so lines and columns
 * stay where they were. amaro is Node's own type stripper as a library: the same result as
 * module.stripTypeScriptTypes without its experimental warning. It is loaded (a WebAssembly module,
 * about 15 MiB) on the first script a page asks for, never at start.
 */
function toJavaScript(source: string): string {
  amaro ??= createRequire(import.meta.url)('amaro') as Amaro;
  return amaro.transformSync(source, { mode: 'strip-only' }).code;
}

/** The status page may load only its own scripts and styles and talk only to this gateway. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * Serves the status page (src/renderer). Its scripts are TypeScript in the source tree; they are
 * served as JavaScript with their types stripped, so the same page works in Electron and a browser.
 * Every file is kept in memory until its modification time changes (an edited source is served anew).
 */
export class StaticFiles {
  private readonly cache = new Map<string, { mtimeMs: number; file: { body: Buffer; type: string } }>();
  private readonly files: ReadonlySet<string>;
  private readonly dir: string;

  /** `dir`: the status page's folder (another one in tests). */
  constructor(dir: string = RENDERER_DIR, files: readonly string[] = rendererFiles(dir)) {
    this.dir = dir;
    this.files = new Set(files);
  }

  serve(pathname: string, res: ServerResponse): boolean {
    const name = pathname === '/' ? 'index.html' : pathname.slice(1);
    if (!this.files.has(name)) return false;
    const file = this.load(name);
    this.send(res, file.body, file.type, { 'cache-control': 'no-cache' });
    return true;
  }

  /** The page right after sign-in, carrying its page key (browser-sessions.ts); never cached. */
  serveSignedIn(res: ServerResponse, pageKey: string, headers: Record<string, string>): void {
    const index = this.load('index.html').body.toString('utf8');
    const meta = `<meta name="dementia-admin-key" content="${pageKey.replace(/[^A-Za-z0-9_-]/g, '')}">`;
    this.send(res, Buffer.from(index.replace('</head>', `  ${meta}\n</head>`)), TYPES['.html']!, { ...headers, 'cache-control': 'no-store' });
  }

  private send(res: ServerResponse, body: Buffer, type: string, headers: Record<string, string>): void {
    res.writeHead(200, {
      'content-type': type,
      'content-length': String(body.length),
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      ...headers,
    });
    res.end(body);
  }

  private load(name: string): { body: Buffer; type: string } {
    const path = this.sourceOf(name);
    const { mtimeMs } = statSync(path);
    const cached = this.cache.get(name);
    if (cached?.mtimeMs === mtimeMs) return cached.file;
    const body = path.endsWith('.ts') ? Buffer.from(toJavaScript(readFileSync(path, 'utf8'))) : readFileSync(path);
    const file = { body, type: TYPES[extname(name)] ?? 'application/octet-stream' };
    this.cache.set(name, { mtimeMs, file });
    return file;
  }

  /** The file on disk behind a served name: a build leaves compiled .js beside the sources; a checkout runs from the .ts. */
  private sourceOf(name: string): string {
    const path = join(this.dir, name);
    return !name.endsWith('.js') || existsSync(path) ? path : join(this.dir, name.replace(/\.js$/, '.ts'));
  }
}
