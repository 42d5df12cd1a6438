import { UserError } from '../errors.ts';
import type { Settings } from '../settings.ts';
import { parseClientKind, type ClientKind, type ClientRecord } from '../store/clients.ts';
import { planClientConfig } from '../client-config/index.ts';
import { tokenUpdateSteps, tokenUsesOf } from '../client-config/token-update.ts';
import { gatewayPort, mcpUrlOf, openServices } from './cli-context.ts';
import type { Output } from './output.ts';
import { checkPinnedProject } from '../client-config/project-pin.ts';

export interface ClientsFlags {
  kind?: string | undefined;
  project?: string | undefined;
  /** Creates the pinned project when it does not exist (otherwise an unknown project is refused). */
  createProject?: boolean | undefined;
  json: boolean;
}

/** Guesses the kind from a name like "Claude Code" when --kind is not given. */
function kindFromName(name: string): ClientKind {
  const lower = name.toLowerCase();
  if (lower.includes('desktop')) return 'claude-desktop';
  if (lower.includes('claude code') || lower.includes('claude-code')) return 'claude-code';
  if (lower.includes('cursor')) return 'cursor';
  if (lower.includes('vs code') || lower.includes('vscode')) return 'vscode';
  return 'other';
}

const describe = (client: ClientRecord) => ({
  id: client.id,
  name: client.name,
  kind: client.kind,
  pinnedProject: client.pinnedProject,
  createdAt: new Date(client.createdAt).toISOString(),
  lastSeenAt: client.lastSeenAt ? new Date(client.lastSeenAt).toISOString() : null,
});

export function clientsCommand(settings: Settings, out: Output, action: string | undefined, name: string | undefined, flags: ClientsFlags): void {
  const services = openServices(settings);
  const mcpUrl = mcpUrlOf(gatewayPort(settings));
  const needName = () => {
    if (!name) throw new UserError('MISSING_ARGUMENT', `clients ${action} needs a client name.`, `Run: dementia clients ${action} "Claude Code"`);
    return name;
  };
  try {
    switch (action) {
      case 'add': {
        const clientName = needName();
        const kind = flags.kind ? parseClientKind(flags.kind) : kindFromName(clientName);
        const pin = flags.project ? checkPinnedProject(services, flags.project, flags.createProject ?? false) : null;
        const project = pin?.name ?? null;
        const { client, token } = services.db.transaction(() => {
          if (pin?.create) services.projects.create(pin.name);
          return services.clients.add(clientName, kind, project);
        })();
        // How to connect it, without touching any file (`dementia config KIND` previews and writes those).
        const plan = planClientConfig({ kind, clientName: client.name, token, mcpUrl, project: project ?? undefined, readFile: () => null });
        const connect = { instructions: plan.instructions, snippet: plan.command ?? plan.snippet, command: plan.command, config: plan.snippet };
        if (flags.json) {
          out.json({ ...describe(client), token, mcpUrl, connect });
          return;
        }
        out.line(`Registered ${out.bold(client.name)} (${kind})${project ? `, pinned to ${pin?.create ? 'the new ' : ''}project ${project}` : ''}.`);
        out.line(`Token (shown once; keep it secret): ${token}`);
        out.line();
        out.line(
          plan.command
            ? 'Connect it with:'
            : `Add this to ${plan.path ?? "the client's config"} (or run: dementia config ${kind} --client ${JSON.stringify(client.name)} --token ${token} --write):`,
        );
        out.line(connect.snippet);
        return;
      }
      case 'list':
      case undefined: {
        const clients = services.clients.list();
        if (flags.json) {
          out.json(clients.map(describe));
          return;
        }
        if (clients.length === 0) out.line('No clients yet. Add one with: dementia clients add "Claude Code"');
        for (const client of clients) {
          out.line(
            `${out.bold(client.name)} (${client.kind}) ${out.dim(`· id ${client.id}`)}${client.pinnedProject ? ` · pinned to ${client.pinnedProject}` : ''}`,
          );
        }
        return;
      }
      case 'remove': {
        const client = services.clients.find(needName());
        services.clients.remove(client.id);
        if (flags.json) out.json({ removed: client.id });
        else out.line(`Removed ${client.name}; its token no longer works.`);
        return;
      }
      case 'rotate-token': {
        const client = services.clients.find(needName());
        const foundIn = tokenUsesOf(client, (token) => services.clients.authenticate(token));
        const token = services.clients.rotateToken(client.id);
        const update = tokenUpdateSteps(client, token, mcpUrl, foundIn);
        if (flags.json) {
          out.json({ ...describe(client), token, mcpUrl, update });
          return;
        }
        out.line(`New token for ${client.name} (the old one stopped working): ${token}`);
        out.line(
          foundIn.length > 0
            ? `\nThe old token is still in: ${foundIn.join(', ')}. Update the client:`
            : '\nUpdate the client (wherever its old token is configured):',
        );
        for (const step of update.steps) out.line(`  ${step}`);
        return;
      }
      default:
        throw new UserError('UNKNOWN_COMMAND', `Unknown clients action "${action}".`, 'Use: clients add | list | remove | rotate-token.');
    }
  } finally {
    services.db.close();
  }
}
