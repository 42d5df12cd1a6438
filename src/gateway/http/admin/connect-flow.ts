import type { ConnectPreview, TokenAction } from '../../client-config/connect-plan.ts';
import { isUserError } from '../../errors.ts';
import { newToken } from '../../secrets.ts';
import type { Services } from '../../services.ts';
import { parseClientKind, type ClientKind } from '../../store/clients.ts';
import { HttpError } from '../http-utils.ts';

/** What the status window shows of a plan: no file contents beyond the diff. */
export interface PlanView {
  planId: string;
  kind: ClientKind;
  /** The client writing configures: an existing one of that name, or a new one (id null until written). */
  client: { id: string | null; name: string; kind: ClientKind; exists: boolean };
  tokenAction: TokenAction['action'];
  /** What writing will do, one sentence each. */
  effects: string[];
  /** Set when writing replaces the client's token: the page shows it and asks before writing. */
  consequence: string | null;
  path: string | null;
  diff: string;
  command: string | null;
  snippet: string;
  instructions: string;
  holdsToken: boolean;
  /** True when the client is configured by a file this app can write. */
  writable: boolean;
  /** True when the file already says exactly this. */
  unchanged: boolean;
  /** Command-only (Claude Code, user scope): ~/.claude.json already holds this very entry, so there is nothing to run. */
  alreadyConfigured: boolean;
  /** The file a symbolic link leads to: writing changes that one, and the page must confirm it. */
  realPath: string | null;
}

/** What writing did; `command` and `snippet` now hold the real token (for a command-only client). */
export interface AppliedView {
  client: { id: string; name: string; kind: ClientKind };
  path: string | null;
  backupPath: string | null;
  command: string | null;
  snippet: string;
  done: string[];
}

export interface ConnectRequest {
  kind: string;
  name?: string | undefined;
  project?: string | undefined;
  repoDir?: string | undefined;
}

export interface ConnectOptions {
  homeDir?: string | undefined;
  platform?: NodeJS.Platform | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** A non-default data folder the Claude Desktop bridge must use. */
  dataDir?: string | undefined;
}

/** Stands in a preview where writing will issue a token. */
const WINDOW_TOKEN_PLACEHOLDER = '<token issued when you write>';

/** Unconfirmed previews are forgotten after this. */
const PLAN_TTL_MS = 60 * 60_000;

/** The config writers (and their JSONC parser) load when the window first connects a client, not with the gateway. */
const connectPlan = () => import('../../client-config/connect-plan.ts');

/**
 * "Connect a client": a preview changes nothing (no client, no token); writing does what the
 * preview showed, and replaces a client's token only when the page confirms it. The plan stays on
 * the server, so the page can only ask to write what it was shown, never name a file of its own.
 */
export class ConnectFlow {
  private readonly services: Services;
  private readonly mcpUrl: () => string;
  private readonly notify: (reason: string) => void;
  private readonly options: ConnectOptions;
  private readonly pending = new Map<string, { preview: ConnectPreview; createdAt: number }>();

  constructor(services: Services, mcpUrl: () => string, notify: (reason: string) => void, options: ConnectOptions = {}) {
    this.services = services;
    this.mcpUrl = mcpUrl;
    this.notify = notify;
    this.options = options;
  }

  async plan(request: ConnectRequest): Promise<PlanView> {
    this.forgetExpired();
    const { previewConnect } = await connectPlan();
    const preview = previewConnect(this.services, {
      kind: parseClientKind(request.kind),
      clientName: request.name,
      project: request.project,
      createProjectHint: 'Create it first (a client calls create_project), then pick it here.',
      repoDir: request.repoDir?.trim() || undefined,
      mcpUrl: this.mcpUrl(),
      dataDir: this.options.dataDir,
      homeDir: this.options.homeDir,
      platform: this.options.platform,
      env: this.options.env,
      placeholder: WINDOW_TOKEN_PLACEHOLDER,
    });
    const planId = newToken('dcp');
    this.pending.set(planId, { preview, createdAt: this.services.clock.now() });
    const { plan } = preview;
    return {
      planId,
      kind: preview.input.kind,
      client: { id: preview.existing?.id ?? null, name: preview.clientName, kind: preview.input.kind, exists: preview.existing !== undefined },
      tokenAction: preview.token.action,
      effects: preview.effects,
      consequence: preview.consequence,
      path: plan.path,
      diff: plan.diff,
      command: plan.command,
      snippet: plan.snippet,
      instructions: plan.instructions,
      holdsToken: plan.holdsToken,
      writable: plan.path !== null && plan.after !== null,
      unchanged: plan.path !== null && plan.diff === '',
      alreadyConfigured: preview.userScope === 'same',
      realPath: plan.realPath,
    };
  }

  /**
   * Does what the preview showed: registers the client or issues its token, writes the file (with
   * a backup; refused if it changed since the preview). `rotate` is the user's consent to replace
   * the client's token when the preview said so; `confirmTarget` the target of a symbolic link the
   * page showed (writing through a link nobody confirmed is refused).
   */
  async apply(planId: string, options: { rotate: boolean; confirmTarget?: string | undefined }): Promise<AppliedView> {
    const entry = this.requirePlan(planId);
    const { applyConnect } = await connectPlan();
    let result;
    try {
      result = applyConnect(this.services, entry.preview, options);
    } catch (error) {
      if (isUserError(error) && error.code === 'CONFIG_IS_LINK') throw new HttpError(409, error.describe());
      throw error;
    }
    if (result.created || result.rotated) this.notify('clients');
    return {
      client: { id: result.client.id, name: result.client.name, kind: result.client.kind },
      path: result.written?.path ?? null,
      backupPath: result.written?.backupPath ?? null,
      command: result.plan.command,
      snippet: result.plan.snippet,
      done: result.done,
    };
  }

  /** Forgets a preview. Nothing else: a preview never registered a client, so none is removed. */
  cancel(planId: string): { cancelled: boolean } {
    return { cancelled: this.pending.delete(planId) };
  }

  private requirePlan(planId: string): { preview: ConnectPreview; createdAt: number } {
    const entry = this.pending.get(planId);
    if (!entry) throw new HttpError(404, 'This preview has expired. Preview the change again.');
    return entry;
  }

  private forgetExpired(): void {
    const cutoff = this.services.clock.now() - PLAN_TTL_MS;
    for (const [id, entry] of this.pending) if (entry.createdAt < cutoff) this.pending.delete(id);
  }
}
