import { proveToGateway } from '../bridge/gateway-proof.ts';
import { localKey } from '../local-proof.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ACTIVE_MINUTES, clientView, formatMinutes, idleMinutesOf, sinceText } from '../http/admin/client-activity.ts';
import { AdminCodes } from '../store/admin-codes.ts';
import { DATABASE_FILE } from '../store/database.ts';
import { statusSnapshot, type StatusSnapshot } from '../status-snapshot.ts';
import { defaultDataDir, type Settings } from '../settings.ts';
import { cliSyncStatus, syncLine } from '../sync/sync-cli.ts';
import { APP_VERSION } from '../version.ts';
import { localSecret, mcpUrlOf, openServices, owningGateway } from './cli-context.ts';
import type { Output } from './output.ts';
import { plural } from '../text/format.ts';

/** Live state from the running gateway (with connection counts), else straight from the store. */
async function readSnapshot(settings: Settings, running: boolean, port: number): Promise<StatusSnapshot | undefined> {
  if (!running) return undefined;
  try {
    // The gateway proves itself before the CLI does; the admin session lasts minutes.
    const session = await proveToGateway(`http://127.0.0.1:${port}`, localKey(localSecret(settings)), { kind: 'admin' });
    const response = await fetch(`http://127.0.0.1:${port}/api/status`, {
      headers: { authorization: `Bearer ${session.token}` },
      signal: AbortSignal.timeout(2_000),
    });
    return response.ok ? ((await response.json()) as StatusSnapshot) : undefined;
  } catch {
    return undefined;
  }
}

/** How to start the gateway, for a user who just saw it is not running. */
export const START_HINT = 'Start it with: npm start (the desktop app) or dementia serve (headless).';

/**
 * A data folder without a database: a mistyped --data-dir or DEMENTIA_DATA_DIR, or a gateway that
 * never ran. Say so and create nothing there (opening the store would create a database).
 */
function reportNoData(settings: Settings, out: Output, json: boolean, port: number): void {
  const status = {
    running: false,
    pid: null,
    version: APP_VERSION,
    mcpUrl: mcpUrlOf(port),
    statusUrl: null,
    dataDir: settings.dataDir,
    dataFound: false,
    clients: [],
    projects: [],
    handovers: [],
    activity: [],
  };
  if (json) return out.json(status);
  const isDefault = settings.dataDir === defaultDataDir();
  out.line(`${out.bold('Dementia Companion')} ${APP_VERSION}: ${out.red('not running')}, and no data yet in ${settings.dataDir} (nothing was created there).`);
  if (!isDefault) out.line(`Is that the folder you meant? The default is ${defaultDataDir()}; --data-dir and DEMENTIA_DATA_DIR choose another.`);
  out.line(`${START_HINT} The gateway creates its data folder when it first starts.`);
}

/** The tenant's clients on the hosted server (known through sync), listed as the status page does. */
function printRemoteClients(snapshot: StatusSnapshot, out: Output): void {
  if (snapshot.remoteClients.length === 0) return;
  out.line();
  out.line(out.bold('On the hosted server:'));
  const now = Date.parse(snapshot.now);
  for (const client of snapshot.remoteClients) {
    const seen = client.lastSeenAt ? `last seen ${sinceText(client.lastSeenAt, snapshot.now)}` : 'not seen yet';
    const sessions = client.sessions.map((session) => {
      const idle = idleMinutesOf(session.lastActivityAt, now);
      return `${session.project} (${idle < ACTIVE_MINUTES ? 'active' : `idle ${formatMinutes(idle)}`})`;
    });
    out.line(`${out.bold(client.name)} ${out.dim(client.kind)}: ${seen}, ${sessions.length > 0 ? `open: ${sessions.join(', ')}` : 'no open session'}`);
  }
}

export async function statusCommand(settings: Settings, out: Output, json: boolean): Promise<void> {
  const runtime = owningGateway(settings);
  const port = runtime?.port ?? settings.port;
  if (!runtime && !existsSync(join(settings.dataDir, DATABASE_FILE))) return reportNoData(settings, out, json, port);
  const services = openServices(settings);
  try {
    const live = await readSnapshot(settings, runtime !== undefined, port);
    const snapshot = live ?? statusSnapshot(services);
    // A sign-in link only while a gateway can take it: a code for a stopped one would only fail.
    const code = runtime ? new AdminCodes(services.db, services.clock).issue() : null;
    const status = {
      running: runtime !== undefined,
      pid: runtime?.pid ?? null,
      version: APP_VERSION,
      mcpUrl: mcpUrlOf(port),
      statusUrl: code ? `http://127.0.0.1:${port}/auth?code=${code}` : null,
      dataDir: settings.dataDir,
      dataFound: true,
      ...snapshot,
      // The admin API reports the worker's own status as syncDetail (null: that gateway does not
      // sync); undefined when no gateway answered, so this shell's settings decide.
      sync: cliSyncStatus(settings, services, live ? ((live as { syncDetail?: unknown }).syncDetail ?? null) : undefined, runtime !== undefined),
    };
    if (json) {
      out.json(status);
      return;
    }
    out.line(
      `${out.bold('Dementia Companion')} ${APP_VERSION}: ${status.running ? out.green(`running (pid ${status.pid})`) : `${out.red('not running')}. ${START_HINT}`}`,
    );
    out.line(`MCP endpoint: ${status.mcpUrl}`);
    out.line(
      `Status page:  ${status.statusUrl ? `${status.statusUrl} ${out.dim('(one-time link)')}` : 'once the gateway runs (dementia status then prints a sign-in link)'}`,
    );
    out.line(`Data folder:  ${status.dataDir}`);
    out.line(`Sync:         ${syncLine(status.sync, status.running)}`);
    out.line();
    if (snapshot.clients.length === 0) out.line('No clients yet. Add one with: dementia clients add "Claude Code" --kind claude-code');
    for (const client of snapshot.clients) {
      const sessions = client.sessions.map((s) => `${s.project} (${plural(s.callCount, 'call')}, handover in ${Math.round(s.minutesUntilHandover)} min)`);
      const view = clientView(client, snapshot);
      const contact = client.connections > 0 && client.lastContactAt ? ` (last contact ${sinceText(client.lastContactAt, snapshot.now)})` : '';
      const live = client.connections > 0 ? `, ${plural(client.connections, 'connection')}${contact}` : '';
      out.line(
        `${out.bold(client.name)} ${out.dim(client.kind)}: project ${view.project === null ? 'none' : view.pinned ? `${view.project} (pinned)` : view.project}, ${view.activityLabel}` +
          `${live}${sessions.length > 0 ? `; open: ${sessions.join(', ')}` : ''}`,
      );
    }
    printRemoteClients(snapshot, out);
  } finally {
    services.db.close();
  }
}
