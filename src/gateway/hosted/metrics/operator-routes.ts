import type { IncomingMessage, ServerResponse } from 'node:http';
import type pg from 'pg';
import { bearerToken, sendJson } from '../../http/http-utils.ts';
import { digestsEqual, sha256Hex } from '../../secrets.ts';
import type { HostedMetrics } from './hosted-metrics.ts';

/** How long /readyz waits for Postgres before it answers "not ready" (a balancer's check times out soon after). */
const READY_TIMEOUT_MS = 2_000;

/** Routes a 429 is counted under: a fixed set, whatever path the request names. */
const ROUTES: readonly (readonly [prefix: string, route: string])[] = [
  ['/mcp', 'mcp'],
  ['/oauth/register', 'register'],
  ['/oauth/sign-in/', 'sign-in'],
  ['/oauth/', 'oauth'],
];

export interface OperatorRoutesDeps {
  metrics: HostedMetrics;
  /** DEMENTIA_METRICS_TOKEN: /metrics answers only with it, and is not there at all without it. */
  metricsToken: string | undefined;
  pool: pg.Pool;
}

/**
 * What an operator's tooling asks a hosted process (DESIGN 9, 13): readiness for the load balancer
 * (`/readyz`: 200 while Postgres answers, 503 while not; `/healthz` stays a liveness check) and
 * Prometheus metrics (`/metrics`, behind their own bearer token).
 */
export class OperatorRoutes {
  private readonly deps: OperatorRoutesDeps;
  private readonly tokenDigest: string | undefined;
  /** Set while stopping: /readyz answers 503, and the stop waits for the balancer to have seen it. */
  private draining: { seen: () => void } | undefined;

  constructor(deps: OperatorRoutesDeps) {
    this.deps = deps;
    this.tokenDigest = deps.metricsToken ? sha256Hex(deps.metricsToken) : undefined;
  }

  /** Serves /readyz and /metrics; false for any other path. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    if (url.pathname === '/readyz') {
      req.resume();
      if (this.draining) {
        const draining = this.draining;
        res.once('finish', () => draining.seen());
        sendJson(res, 503, { ready: false, error: 'This process is stopping; send new requests to another.' });
        return true;
      }
      const ready = await this.postgresAnswers();
      sendJson(res, ready ? 200 : 503, ready ? { ready: true } : { ready: false, error: 'Postgres, the only store, does not answer.' });
      return true;
    }
    if (url.pathname === '/metrics' && this.tokenDigest) {
      req.resume();
      const given = bearerToken(req);
      // Digests of equal length, compared in constant time: the answer's timing says nothing of the token.
      if (!given || !digestsEqual(sha256Hex(given), this.tokenDigest)) {
        sendJson(res, 401, { error: 'The metrics need Authorization: Bearer <DEMENTIA_METRICS_TOKEN>.' }, { 'www-authenticate': 'Bearer realm="metrics"' });
        return true;
      }
      const { contentType, body } = await this.deps.metrics.scrape();
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(body);
      return true;
    }
    return false;
  }

  /**
   * Before a stop behind a load balancer: /readyz answers 503 from now on, and this resolves once
   * the balancer has been told so (the next /readyz answered), or after `maxMs` (nobody asked).
   * Requests keep being served meanwhile, so none is sent to a process that is already gone.
   */
  drain(maxMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, maxMs);
      this.draining = {
        seen: () => {
          clearTimeout(timer);
          resolve();
        },
      };
    });
  }

  /** Counts the answer when it is a 429, under its route. */
  observe(res: ServerResponse, url: URL): void {
    res.once('finish', () => {
      if (res.statusCode !== 429) return;
      const route = ROUTES.find(([prefix]) => url.pathname === prefix || url.pathname.startsWith(prefix))?.[1] ?? 'other';
      this.deps.metrics.refusedTooMany(route);
    });
  }

  private async postgresAnswers(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
    });
    const query = this.deps.pool.query('SELECT 1').then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([query, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
