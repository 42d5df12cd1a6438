import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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
function rendererFiles(dir: string = RENDERER_DIR): string[] {
  const names = readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((name) => name.split('\\').join('/'));
  return [...new Set(names.filter((name) => extname(name) in TYPES || name.endsWith('.ts')).map((name) => name.replace(/\.ts$/, '.js')))];
}

type TypeScript = typeof import('typescript');
let typescript: TypeScript | undefined;

/** Transpiled renderer scripts kept across restarts, by content hash (the checkout's own cache folder). */
const TRANSPILE_CACHE = fileURLToPath(new URL('../../../node_modules/.cache/dementia-companion/renderer/', import.meta.url));

/**
 * A checkout's renderer source as browser JavaScript. Node's stripTypeScriptTypes would do, but is
 * experimental and logs a warning; the TypeScript compiler (a dev dependency, always there in a
 * checkout; a build ships compiled .js instead) is loaded only when a script is not in the cache
 * yet, since loading and running it takes seconds.
 */
function toJavaScript(source: string, fileName: string): string {
  const key = createHash('sha256').update(`${fileName}\0${source}`).digest('hex');
  const cached = join(TRANSPILE_CACHE, `${key}.js`);
  try {
    return readFileSync(cached, 'utf8');
  } catch {
    // Not transpiled yet.
  }
  typescript ??= createRequire(import.meta.url)('typescript') as TypeScript;
  const { ModuleKind, ScriptTarget } = typescript;
  const output = typescript.transpileModule(source, {
    fileName,
    compilerOptions: { module: ModuleKind.ESNext, target: ScriptTarget.ES2022, verbatimModuleSyntax: true, sourceMap: false },
  }).outputText;
  try {
    mkdirSync(TRANSPILE_CACHE, { recursive: true });
    writeFileSync(cached, output);
  } catch {
    // A read-only checkout: transpile again next start.
  }
  return output;
}

/** The status page may load only its own scripts and styles and talk only to this gateway. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * Serves the status page (src/renderer). Its scripts are TypeScript in the source tree; they are
 * served as JavaScript, transpiled once and cached, so the same page works in Electron and a browser.
 */
export class StaticFiles {
  private readonly cache = new Map<string, { body: Buffer; type: string }>();
  private readonly files: ReadonlySet<string>;

  constructor(files: readonly string[] = rendererFiles()) {
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
    const cached = this.cache.get(name);
    if (cached) return cached;
    let body: Buffer;
    if (name.endsWith('.js')) {
      // A build leaves compiled .js beside the sources; a checkout runs from the .ts.
      try {
        body = readFileSync(join(RENDERER_DIR, name));
      } catch {
        const source = readFileSync(join(RENDERER_DIR, name.replace(/\.js$/, '.ts')), 'utf8');
        body = Buffer.from(toJavaScript(source, name.replace(/\.js$/, '.ts')));
      }
    } else {
      body = readFileSync(join(RENDERER_DIR, name));
    }
    const file = { body, type: TYPES[extname(name)] ?? 'application/octet-stream' };
    this.cache.set(name, file);
    return file;
  }
}
