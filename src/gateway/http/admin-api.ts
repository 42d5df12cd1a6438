import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isUserError } from '../errors.ts';
import { exportMemory, sqliteExportSource } from '../export/export-memory.ts';
import type { Services } from '../services.ts';
import { defaultDataDir, type Settings } from '../settings.ts';
import { AdminCodes } from '../store/admin-codes.ts';
import type { ConnectionCounts } from '../status-snapshot.ts';
import { BrowserSessions } from './admin/browser-sessions.ts';
import { ClientControl } from './admin/client-control.ts';
import { ConnectFlow } from './admin/connect-flow.ts';
import { csrfProblem } from './admin/csrf.ts';
import { StatusStream } from './admin/event-stream.ts';
import { ImportFlow } from './admin/import-flow.ts';
import { optionalString, readJsonObject, requiredString } from './admin/json-body.ts';
import { ProjectContexts, versionSelector } from './admin/project-contexts.ts';
import { headlessSettingsHost, type SettingsHost, type SettingsPatch } from './admin/settings-host.ts';
import { adminStatus, type AdminStatus } from './admin/status-view.ts';
import type { SyncControl } from './admin/sync-control.ts';
import { bearerToken, HttpError, sendJson } from './http-utils.ts';
import type { StaticFiles } from './static-files.ts';

/** What the admin API needs from the running gateway (the Gateway class satisfies it). */
export interface AdminHost {
  readonly services: Services;
  readonly settings: Settings;
  /** Admin session tokens of the CLI, from the local proof (local-auth.ts). */
  readonly localAuth: { isAdmin(token: string | undefined): boolean };
  readonly events: EventEmitter<{ change: [reason: string] }>;
  readonly port: number;
  readonly mcpUrl: string;
  readonly sync?: SyncControl | undefined;
  connectionCounts(): ConnectionCounts;
}

/** `session`: the browser session of the request (undefined for the CLI's admin token). */
type Route = (req: IncomingMessage, res: ServerResponse, params: string[], session: string | undefined) => Promise<void> | void;

/**
 * The admin API behind the status page. It never accepts a client token: a browser signs in with a
 * one-time code (from `dementia status`, or issued by the desktop shell for its window) that
 * becomes a browser session (a cookie plus a key the page holds: browser-sessions.ts); the CLI
 * uses an admin token from the local proof (local-auth.ts). Writes must be JSON from this
 * gateway's own origin (see csrf.ts).
 */
export class AdminApi {
  readonly control: ClientControl;
  private readonly host: AdminHost;
  private readonly codes: AdminCodes;
  private readonly sessions: BrowserSessions;
  private readonly stream: StatusStream;
  private readonly connect: ConnectFlow;
  private readonly imports: ImportFlow;
  private readonly contexts: ProjectContexts;
  private readonly routes: { method: string; pattern: RegExp; route: Route }[];
  private settingsHost: SettingsHost;
  private desktop = false;

  constructor(host: AdminHost) {
    this.host = host;
    const notify = (reason: string) => host.events.emit('change', reason);
    this.codes = new AdminCodes(host.services.db, host.services.clock);
    this.sessions = new BrowserSessions(host.services.clock, () => host.port);
    this.control = new ClientControl(host.services, notify);
    this.stream = new StatusStream(host.events, () => this.status());
    this.connect = new ConnectFlow(host.services, () => host.mcpUrl, notify, {
      dataDir: host.settings.dataDir === defaultDataDir() ? undefined : host.settings.dataDir,
    });
    this.imports = new ImportFlow(host.services, host.settings.dataDir, notify);
    this.contexts = new ProjectContexts(host.services, notify);
    this.settingsHost = headlessSettingsHost(host.settings, () => host.port);
    this.routes = [
      { method: 'GET', pattern: /^\/api\/status$/, route: (_req, res) => sendJson(res, 200, this.status()) },
      {
        method: 'GET',
        pattern: /^\/api\/events$/,
        route: (req, res, _params, session) => this.stream.open(req, res, session ? () => this.sessions.touch(session) : undefined),
      },
      { method: 'POST', pattern: /^\/api\/session\/sign-out$/, route: (_req, res, _params, session) => this.signOut(res, session) },
      { method: 'POST', pattern: /^\/api\/clients\/([^/]+)\/project$/, route: (req, res, [id]) => this.setProject(req, res, id!) },
      { method: 'POST', pattern: /^\/api\/clients\/([^/]+)\/end-session$/, route: (_req, res, [id]) => this.endSession(res, id!) },
      { method: 'POST', pattern: /^\/api\/sync\/(now|pause|resume)$/, route: (_req, res, [action]) => this.syncAction(res, action!) },
      { method: 'POST', pattern: /^\/api\/connect\/plan$/, route: (req, res) => this.connectPlan(req, res) },
      { method: 'POST', pattern: /^\/api\/connect\/apply$/, route: (req, res) => this.connectApply(req, res) },
      { method: 'POST', pattern: /^\/api\/connect\/cancel$/, route: (req, res) => this.connectCancel(req, res) },
      { method: 'POST', pattern: /^\/api\/import\/preview$/, route: (req, res) => this.importPreview(req, res) },
      { method: 'POST', pattern: /^\/api\/import\/run$/, route: (req, res) => this.importRun(req, res) },
      { method: 'POST', pattern: /^\/api\/export$/, route: (req, res) => this.exportRun(req, res) },
      { method: 'GET', pattern: /^\/api\/projects\/([^/]+)\/contexts$/, route: (_req, res, [project]) => sendJson(res, 200, this.contexts.list(project!)) },
      {
        method: 'GET',
        pattern: /^\/api\/projects\/([^/]+)\/contexts\/([^/]+)$/,
        route: (_req, res, [project, label]) => sendJson(res, 200, this.contexts.detail(project!, label!)),
      },
      {
        method: 'POST',
        pattern: /^\/api\/projects\/([^/]+)\/contexts\/([^/]+)\/(archive|restore)$/,
        route: (req, res, [project, label, action]) => this.contextAction(req, res, project!, label!, action!),
      },
      { method: 'GET', pattern: /^\/api\/settings$/, route: (_req, res) => sendJson(res, 200, this.settingsHost.read()) },
      { method: 'POST', pattern: /^\/api\/settings$/, route: (req, res) => this.saveSettings(req, res) },
      { method: 'POST', pattern: /^\/api\/app\/restart$/, route: (_req, res) => this.restart(res) },
    ];
  }

  /** The desktop shell owns the settings (stored with safeStorage) and can restart the app. */
  attachDesktop(settingsHost: SettingsHost): void {
    this.settingsHost = settingsHost;
    this.desktop = true;
    this.host.events.emit('change', 'desktop');
  }

  /** A one-time sign-in code, for `dementia status` and the desktop shell's window. */
  issueCode(): string {
    return this.codes.issue();
  }

  status(): AdminStatus {
    return adminStatus(this.host, this.desktop);
  }

  /**
   * GET /auth?code=...: trades a one-time code for a browser session. The answer is the page itself
   * (not a redirect), so the page key reaches only this page and the URL keeps its #view.
   */
  exchange(url: URL, res: ServerResponse, pages: StaticFiles): void {
    const code = url.searchParams.get('code');
    if (!code || !this.codes.consume(code)) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end('This sign-in link is invalid, used or expired. Get a new one with: dementia status');
      return;
    }
    const { setCookie, pageKey } = this.sessions.create();
    pages.serveSignedIn(res, pageKey, { 'set-cookie': setCookie });
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const viaSecret = this.viaSecret(req);
    const session = viaSecret ? undefined : this.sessions.authenticate(req);
    if (!viaSecret && !session) {
      sendJson(res, 401, { error: 'Not signed in. Open the link printed by `dementia status` (statusUrl).' });
      return;
    }
    const match = this.match(req.method ?? 'GET', url.pathname);
    if (!match) {
      sendJson(res, 404, { error: `No admin endpoint ${req.method} ${url.pathname}.` });
      return;
    }
    if (req.method !== 'GET') {
      const problem = csrfProblem(req, this.host.port, !viaSecret);
      if (problem) {
        req.resume();
        sendJson(res, 403, { error: problem });
        return;
      }
    }
    try {
      await match.route(req, res, match.params, session);
    } catch (error) {
      if (error instanceof HttpError) sendJson(res, error.status, { error: error.message });
      else if (isUserError(error)) sendJson(res, 400, { error: error.describe(), code: error.code });
      else throw error;
    }
  }

  private match(method: string, pathname: string): { route: Route; params: string[] } | undefined {
    for (const { method: wanted, pattern, route } of this.routes) {
      const found = pattern.exec(pathname);
      if (found && wanted === method) return { route, params: found.slice(1).map(decodeURIComponent) };
    }
    return undefined;
  }

  private viaSecret(req: IncomingMessage): boolean {
    return this.host.localAuth.isAdmin(bearerToken(req));
  }

  private signOut(res: ServerResponse, session: string | undefined): void {
    if (!session) throw new HttpError(409, "Only a browser session signs out; the CLI's admin tokens end by themselves.");
    const clearCookie = this.sessions.end(session);
    this.host.events.emit('change', 'signed-out'); // open event streams of that session close
    sendJson(res, 200, { signedOut: true }, { 'set-cookie': clearCookie });
  }

  private async setProject(req: IncomingMessage, res: ServerResponse, clientId: string): Promise<void> {
    const body = await readJsonObject(req);
    if (body.project !== null && typeof body.project !== 'string') throw new HttpError(400, '"project" must be a project name or null.');
    const result = await this.control.setProject(clientId, body.project);
    sendJson(res, 200, { client: result.client.id, project: result.project, instances: result.instances });
  }

  private async endSession(res: ServerResponse, clientId: string): Promise<void> {
    const { handovers, message } = await this.control.endSessions(clientId);
    sendJson(res, 200, { ended: handovers.length, message, handovers: handovers.map((h) => ({ id: h.id, project: h.project, summary: h.summary })) });
  }

  private async syncAction(res: ServerResponse, action: string): Promise<void> {
    const sync = this.host.sync;
    if (!sync) throw new HttpError(409, 'Sync is not configured: set the hosted Postgres URL and API key in Settings.');
    if (action === 'now') await sync.syncNow();
    else if (action === 'pause') await sync.pause();
    else await sync.resume();
    this.host.events.emit('change', `sync:${action}`);
    sendJson(res, 200, this.status().sync);
  }

  private async connectPlan(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJsonObject(req);
    const plan = await this.connect.plan({
      kind: requiredString(body, 'kind'),
      name: optionalString(body, 'name'),
      project: optionalString(body, 'project'),
      repoDir: optionalString(body, 'repoDir'),
    });
    sendJson(res, 200, plan);
  }

  private async connectApply(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJsonObject(req);
    if (body.rotateToken !== undefined && typeof body.rotateToken !== 'boolean') throw new HttpError(400, '"rotateToken" must be true or false.');
    sendJson(
      res,
      200,
      await this.connect.apply(requiredString(body, 'planId'), { rotate: body.rotateToken === true, confirmTarget: optionalString(body, 'confirmTarget') }),
    );
  }

  private async connectCancel(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJsonObject(req);
    sendJson(res, 200, this.connect.cancel(requiredString(body, 'planId')));
  }

  private async importPreview(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJsonObject(req);
    if (body.merge !== undefined && typeof body.merge !== 'boolean') throw new HttpError(400, '"merge" must be true or false.');
    const project = optionalString(body, 'project');
    sendJson(
      res,
      200,
      await this.imports.preview({
        kind: requiredString(body, 'kind'),
        from: requiredString(body, 'from'),
        project: project?.trim() === '' ? undefined : project,
        merge: body.merge === true,
      }),
    );
  }

  private async importRun(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJsonObject(req);
    sendJson(res, 200, await this.imports.run(requiredString(body, 'importId')));
  }

  /** "Export memory…": the same files as `dementia export --to DIR [--project P]`, written by the gateway. */
  private async exportRun(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJsonObject(req);
    const project = optionalString(body, 'project')?.trim();
    sendJson(res, 200, await exportMemory(sqliteExportSource(this.host.services), requiredString(body, 'to').trim(), project === '' ? undefined : project));
  }

  /** Archive (as unlock_context: always_check needs "force": true) or restore versions of a context. */
  private async contextAction(req: IncomingMessage, res: ServerResponse, project: string, label: string, action: string): Promise<void> {
    const body = await readJsonObject(req);
    if (body.force !== undefined && typeof body.force !== 'boolean') throw new HttpError(400, '"force" must be true or false.');
    const version = versionSelector(body.version ?? (action === 'archive' ? 'all' : 'latest'));
    const result =
      action === 'archive' ? await this.contexts.archive(project, label, version, body.force === true) : await this.contexts.restore(project, label, version);
    sendJson(res, 200, result);
  }

  private async saveSettings(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJsonObject(req);
    const patch: SettingsPatch = {};
    if (body.port !== undefined) {
      if (typeof body.port !== 'number' || !Number.isInteger(body.port) || body.port < 1024 || body.port > 65535) {
        throw new HttpError(400, 'The port must be a whole number from 1024 to 65535.');
      }
      patch.port = body.port;
    }
    if (body.startAtLogin !== undefined) {
      if (typeof body.startAtLogin !== 'boolean') throw new HttpError(400, '"startAtLogin" must be true or false.');
      patch.startAtLogin = body.startAtLogin;
    }
    for (const key of ['pgUrl', 'apiKey'] as const) {
      if (body[key] === undefined) continue;
      if (body[key] !== null && typeof body[key] !== 'string') throw new HttpError(400, `"${key}" must be a string or null.`);
      patch[key] = body[key] === null || (body[key] as string).trim() === '' ? null : (body[key] as string).trim();
    }
    if (patch.pgUrl && !/^postgres(ql)?:\/\//.test(patch.pgUrl)) throw new HttpError(400, 'The Postgres URL must start with postgres:// or postgresql://.');
    const view = await this.settingsHost.save(patch);
    this.host.events.emit('change', 'settings');
    sendJson(res, 200, view);
  }

  private restart(res: ServerResponse): void {
    if (!this.settingsHost.restart) throw new HttpError(409, 'Only the desktop app can restart itself; restart `dementia serve` by hand.');
    sendJson(res, 202, { restarting: true });
    // After the response is out: the restart stops this server.
    setImmediate(() => this.settingsHost.restart!());
  }
}
