import { parseArgs } from 'node:util';
import { isUserError } from '../errors.ts';
import { resolveSettings } from '../settings.ts';
import { APP_VERSION } from '../version.ts';
import { createOutput, exitQuietlyWhenReaderCloses, type Output } from './output.ts';

// Commands are imported when used: `connect` (the stdio bridge a client launches) must not pay
// for loading the gateway, the store and SQLite.

const HELP = `dementia ${APP_VERSION}: project memory for every Claude client on this machine

Usage:
  dementia serve [--port N] [--data-dir DIR] [--idle-minutes M]   run the gateway headless
  dementia status [--json]                                        gateway, clients, status page link
  dementia clients add NAME [--kind KIND] [--project P [--create-project]] [--json]
                                                                  register a client, print its token
  dementia clients list [--json]
  dementia clients remove NAME [--json]
  dementia clients rotate-token NAME [--json]
  dementia config KIND [--client NAME] [--project P [--create-project]] [--repo DIR] [--diff] [--write [--rotate-token]] [--json]
                                                                  preview (default) or write a client's config
                                                                  (a config reached through a symbolic link needs --confirm-target PATH)
  dementia handover show [--project P] [--json]                   the last handover (default: the repository's pinned project)
  dementia hooks install claude-code [--repo DIR] [--write]       SessionStart hook printing the waiting handover
  dementia import claude-dementia --from <postgres-url | sqlite-file | folder> [--merge] [--dry-run] [--json]
  dementia import server-memory --from <memory.jsonl> --project P [--dry-run] [--json]
                                                                  bring in the memory of the server you switch from
  dementia export --to DIR [--project P] [--json]                 every project as Markdown files + manifest.json
  dementia import dementia-export --from DIR [--dry-run] [--json] bring an export back (idempotent)
  dementia connect --client NAME | --token-file F [--project P]   stdio bridge (Claude Desktop); or the token in DEMENTIA_TOKEN

Hosted mode (with DEMENTIA_PG_URL; see README "Hosted mode"):
  dementia serve --hosted [--port N] [--idle-minutes M]           serve every tenant (DEMENTIA_HOST, DEMENTIA_PUBLIC_URL)
  dementia tenants add [--label L] [--key-from-stdin] [--json]    register an API key (printed once)
  dementia tenants list [--json] | tenants remove SCHEMA
  dementia clients list --hosted [--tenant SCHEMA] [--json]       signed-in clients (grants)
  dementia clients remove NAME|ID --hosted [--tenant SCHEMA]      revoke one at once
  dementia export --hosted --tenant SCHEMA --to DIR [--project P] [--json]
                                                                  a tenant's memory as the files of dementia export

Kinds: claude-desktop, claude-code, cursor, vscode, other.
A pinned project (--project) must exist; --create-project creates a new one.
Every command reads DEMENTIA_PORT, DEMENTIA_DATA_DIR, DEMENTIA_IDLE_MINUTES, DEMENTIA_PG_URL, DEMENTIA_API_KEY.
\`dementia\` not found? In the checkout, run \`npm link\` once (puts it on PATH), or use: npm run --silent dementia -- ARGS`;

export async function main(argv: string[], out: Output = createOutput()): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'idle-minutes': { type: 'string' },
      json: { type: 'boolean', default: false },
      kind: { type: 'string' },
      project: { type: 'string' },
      client: { type: 'string' },
      token: { type: 'string' },
      'token-file': { type: 'string' },
      repo: { type: 'string' },
      'confirm-target': { type: 'string' },
      'create-project': { type: 'boolean', default: false },
      'rotate-token': { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
      diff: { type: 'boolean', default: false },
      hook: { type: 'boolean', default: false },
      hosted: { type: 'boolean', default: false },
      tenant: { type: 'string' },
      label: { type: 'string' },
      'key-from-stdin': { type: 'boolean', default: false },
      from: { type: 'string' },
      to: { type: 'string' },
      merge: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', default: false },
    },
  });
  const settingFlags = { port: values.port, dataDir: values['data-dir'], idleMinutes: values['idle-minutes'] };
  const settings = resolveSettings(settingFlags);
  const [command, action, name] = positionals;
  if (values.version) {
    out.line(APP_VERSION);
    return 0;
  }
  switch (values.help ? 'help' : command) {
    case 'serve':
      if (values.hosted) await (await import('./serve-command.ts')).serveHostedCommand(settingFlags, out);
      else await (await import('./serve-command.ts')).serveCommand(settings, out);
      return 0;
    case 'status':
      await (await import('./status-command.ts')).statusCommand(settings, out, values.json);
      return 0;
    case 'clients':
      if (values.hosted) {
        await (await import('./hosted-commands.ts')).hostedClientsCommand(settingFlags, out, action, name, { tenant: values.tenant, json: values.json });
        return 0;
      }
      (await import('./clients-command.ts')).clientsCommand(settings, out, action, name, {
        kind: values.kind,
        project: values.project,
        createProject: values['create-project'],
        json: values.json,
      });
      return 0;
    case 'config':
      (await import('./config-command.ts')).configCommand(settings, out, action, {
        client: values.client,
        token: values.token,
        project: values.project,
        createProject: values['create-project'],
        rotateToken: values['rotate-token'],
        repo: values.repo,
        write: values.write,
        diff: values.diff,
        json: values.json,
        confirmTarget: values['confirm-target'],
      });
      return 0;
    case 'handover':
      try {
        await (
          await import('./handover-command.ts')
        ).handoverCommand(settings, out, action, { project: values.project, json: values.json, hook: values.hook, cwd: process.cwd() });
      } catch (error) {
        // A SessionStart hook must never get in the way of a new conversation.
        if (!values.hook) throw error;
      }
      return 0;
    case 'hooks':
      (await import('./hooks-command.ts')).hooksCommand(settings, out, action, name, {
        repo: values.repo,
        write: values.write,
        json: values.json,
        confirmTarget: values['confirm-target'],
      });
      return 0;
    case 'import':
      await (
        await import('./import-command.ts')
      ).importCommand(settings, out, action, {
        from: values.from,
        project: values.project,
        merge: values.merge,
        dryRun: values['dry-run'],
        json: values.json,
      });
      return 0;
    case 'export':
      await (
        await import('./export-command.ts')
      ).exportCommand(settings, settingFlags, out, { to: values.to, project: values.project, json: values.json, hosted: values.hosted, tenant: values.tenant });
      return 0;
    case 'connect':
      await (
        await import('./connect-command.ts')
      ).connectCommand(settings, out, { client: values.client, token: values.token, tokenFile: values['token-file'], project: values.project });
      return 0;
    case 'tenants':
      await (
        await import('./hosted-commands.ts')
      ).tenantsCommand(settingFlags, out, action, name, {
        label: values.label,
        keyFromStdin: values['key-from-stdin'],
        json: values.json,
      });
      return 0;
    case 'help':
    case undefined:
      out.line(HELP);
      return 0;
    default:
      out.error(`Unknown command "${command}".\n\n${HELP}`);
      return 2;
  }
}

/** Runs the CLI as a program: user errors print "problem. Fix: ..." and exit 2, nothing else. */
export async function run(argv: string[]): Promise<void> {
  exitQuietlyWhenReaderCloses();
  const out = createOutput();
  try {
    process.exitCode = await main(argv, out);
  } catch (error) {
    if (isUserError(error)) {
      out.error(`Error: ${error.describe()}`);
      process.exitCode = 2;
    } else if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      out.error(`Error: ${(error as Error).message}. Run \`dementia --help\` for usage.`);
      process.exitCode = 2;
    } else {
      out.error(`Unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exitCode = 1;
    }
  }
}

if (import.meta.main) await run(process.argv.slice(2));
