import { applyClientConfig, planClientConfig, type ConfigPlan } from '../../client-config/index.ts';
import { isUserError, UserError } from '../../errors.ts';
import { newToken } from '../../secrets.ts';
import type { Services } from '../../services.ts';
import { parseClientKind, type ClientKind } from '../../store/clients.ts';
import { HttpError } from '../http-utils.ts';

/** What the status window shows of a plan: no file contents beyond the diff. */
export interface PlanView {
  planId: string;
  client: { id: string; name: string; kind: ClientKind };
  kind: ClientKind;
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
  /** The file a symbolic link leads to: writing changes that one, and the page must confirm it. */
  realPath: string | null;
}

export interface ConnectRequest {
  kind: string;
  name?: string | undefined;
  project?: string | undefined;
  repoDir?: string | undefined;
  /** Re-plan an earlier plan (same client and token), e.g. after the file changed. */
  planId?: string | undefined;
}

export interface ConnectOptions {
  homeDir?: string | undefined;
  platform?: NodeJS.Platform | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** A non-default data folder the Claude Desktop bridge must use. */
  dataDir?: string | undefined;
}

const DEFAULT_NAMES: Record<ClientKind, string> = {
  'claude-desktop': 'Claude Desktop',
  'claude-code': 'Claude Code',
  cursor: 'Cursor',
  vscode: 'VS Code',
  other: 'MCP client',
};

/** Unconfirmed plans are forgotten after this; their never-connected clients stay until cancelled. */
const PLAN_TTL_MS = 60 * 60_000;

interface Pending {
  clientId: string;
  token: string;
  request: ConnectRequest;
  plan: ConfigPlan;
  createdAt: number;
}

/**
 * "Connect a client": registers the client, plans its config change (shown as a diff), writes it
 * on confirmation. The plan stays on the server, so the page can only ask to write what it was
 * shown, never name a file of its own.
 */
export class ConnectFlow {
  private readonly services: Services;
  private readonly mcpUrl: () => string;
  private readonly notify: (reason: string) => void;
  private readonly options: ConnectOptions;
  private readonly pending = new Map<string, Pending>();

  constructor(services: Services, mcpUrl: () => string, notify: (reason: string) => void, options: ConnectOptions = {}) {
    this.services = services;
    this.mcpUrl = mcpUrl;
    this.notify = notify;
    this.options = options;
  }

  plan(request: ConnectRequest): PlanView {
    this.forgetExpired();
    const kind = parseClientKind(request.kind);
    const earlier = request.planId ? this.pending.get(request.planId) : undefined;
    let clientId: string;
    let token: string;
    if (earlier && this.services.clients.byId(earlier.clientId)) {
      clientId = earlier.clientId;
      token = earlier.token;
      this.pending.delete(request.planId!);
    } else {
      const name = this.freeName(request.name?.trim() || DEFAULT_NAMES[kind]);
      const added = this.services.clients.add(name, kind, null);
      clientId = added.client.id;
      token = added.token;
      this.notify('clients');
    }
    const client = this.services.clients.byId(clientId)!;
    const plan = planClientConfig({
      kind,
      clientName: client.name,
      token,
      mcpUrl: this.mcpUrl(),
      project: request.project?.trim() || undefined,
      repoDir: request.repoDir?.trim() || undefined,
      homeDir: this.options.homeDir,
      platform: this.options.platform,
      env: this.options.env,
      dataDir: this.options.dataDir,
    });
    const planId = newToken('dcp');
    this.pending.set(planId, { clientId, token, request: { ...request, kind }, plan, createdAt: this.services.clock.now() });
    return {
      planId,
      client: { id: client.id, name: client.name, kind: client.kind },
      kind,
      path: plan.path,
      diff: plan.diff,
      command: plan.command,
      snippet: plan.snippet,
      instructions: plan.instructions,
      holdsToken: plan.holdsToken,
      writable: plan.path !== null && plan.after !== null,
      unchanged: plan.path !== null && plan.diff === '',
      realPath: plan.realPath,
    };
  }

  /** Writes the planned file (with a backup); refuses if the file changed since the preview, or leads through a link the page did not confirm. */
  apply(planId: string, confirmTarget?: string): { path: string; backupPath: string | null } {
    const entry = this.requirePlan(planId);
    try {
      return applyClientConfig(entry.plan, { confirmTarget });
    } catch (error) {
      if (isUserError(error) && error.code === 'CONFIG_IS_LINK') throw new HttpError(409, error.describe());
      throw error;
    }
  }

  /** Drops a plan; its client is removed too if it never connected (the user backed out). */
  cancel(planId: string): { removedClient: boolean } {
    const entry = this.requirePlan(planId);
    this.pending.delete(planId);
    const client = this.services.clients.byId(entry.clientId);
    if (client && client.lastSeenAt === null) {
      this.services.clients.remove(client.id);
      this.notify('clients');
      return { removedClient: true };
    }
    return { removedClient: false };
  }

  private requirePlan(planId: string): Pending {
    const entry = this.pending.get(planId);
    if (!entry) throw new HttpError(404, 'This preview has expired. Preview the change again.');
    return entry;
  }

  private freeName(base: string): string {
    if (!this.services.clients.byName(base)) return base;
    for (let n = 2; n < 1000; n++) {
      const candidate = `${base} ${n}`;
      if (!this.services.clients.byName(candidate)) return candidate;
    }
    throw new UserError('CLIENT_EXISTS', `Too many clients named "${base}".`, 'Pick another name.');
  }

  private forgetExpired(): void {
    const cutoff = this.services.clock.now() - PLAN_TTL_MS;
    for (const [id, entry] of this.pending) if (entry.createdAt < cutoff) this.pending.delete(id);
  }
}
