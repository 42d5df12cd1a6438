import { readFileSync } from 'node:fs';
import { UserError } from '../errors.ts';
import { resolveHostedSettings } from '../hosted/hosted-settings.ts';
import { RemoteClientDirectory, type RemoteClient } from '../hosted/remote-clients.ts';
import { postgresStartError } from '../hosted/pg-transaction.ts';
import { TenantDirectory, type Tenant } from '../hosted/tenant-directory.ts';
import { STRONG_KEY_ADVICE } from '../api-key-rule.ts';
import { createLogger } from '../logger.ts';
import type { SettingFlags } from '../settings.ts';
import { createPool } from '../pg/pg-connection.ts';
import type { Output } from './output.ts';
import type pg from 'pg';
import { exportMemory, type ExportReport } from '../export/export-memory.ts';
import { pgExportSource } from '../hosted/pg-export-source.ts';
import { isoOrNull, plural } from '../text/format.ts';

/** What an operator's command needs: the directories over a small pool of its own, closed after. */
async function withDirectories<T>(
  flags: SettingFlags,
  work: (tenants: TenantDirectory, clients: RemoteClientDirectory, pool: pg.Pool) => Promise<T>,
  statementTimeoutMs = 15_000,
): Promise<T> {
  const settings = resolveHostedSettings(flags);
  const pool = createPool(settings.pg, { poolMax: 2, statementTimeoutMs, connectTimeoutMs: 5_000 }, createLogger());
  try {
    const tenants = new TenantDirectory(pool);
    await tenants.prepare().catch((error: unknown) => Promise.reject(postgresStartError(error, settings.pg)));
    return await work(tenants, new RemoteClientDirectory(pool), pool);
  } finally {
    await pool.end();
  }
}

export interface TenantsFlags {
  label?: string | undefined;
  /** Register the key a desktop already syncs with (read from standard input) instead of making one. */
  keyFromStdin: boolean;
  json: boolean;
}

/** `dementia tenants add | list | remove SCHEMA`: the API keys a hosted server serves. */
export async function tenantsCommand(
  settingFlags: SettingFlags,
  out: Output,
  action: string | undefined,
  schema: string | undefined,
  flags: TenantsFlags,
): Promise<void> {
  await withDirectories(settingFlags, async (tenants, clients) => {
    switch (action) {
      case 'add': {
        const apiKey = flags.keyFromStdin ? readFileSync(0, 'utf8').trim() : undefined;
        if (flags.keyFromStdin && !apiKey)
          throw new UserError('MISSING_ARGUMENT', 'No API key on standard input.', 'Pipe the key in: echo "$KEY" | dementia tenants add --key-from-stdin');
        const { apiKey: key, tenant } = await tenants.add({ label: flags.label, ...(apiKey ? { apiKey } : {}) });
        if (flags.json) {
          out.json({ apiKey: key, schema: tenant.schema, label: tenant.label, createdAt: isoOrNull(tenant.createdAt) });
          return;
        }
        out.line(`Registered tenant ${out.bold(tenant.schema)}${tenant.label ? ` (${tenant.label})` : ''}.`);
        if (!apiKey) out.line(`API key (shown once; give it to the user, keep it secret): ${key}`);
        out.line('The user signs in with it on the hosted sign-in page, and the desktop app syncs with it (DEMENTIA_API_KEY).');
        return;
      }
      case 'list': {
        const list = await tenants.list();
        const rows = await Promise.all(list.map(async (tenant) => ({ ...tenant, clients: (await clients.list(tenant.schema)).length })));
        if (flags.json) {
          out.json(
            rows.map((row) => ({
              schema: row.schema,
              label: row.label,
              createdAt: isoOrNull(row.createdAt),
              clients: row.clients,
              keyStrength: row.keyStrength,
            })),
          );
          return;
        }
        if (rows.length === 0) out.line('No tenants yet. Register one with: dementia tenants add');
        for (const row of rows)
          out.line(`${row.schema}  ${row.label || '-'}  ${plural(row.clients, 'client')}  since ${isoOrNull(row.createdAt)}${keyWarning(row)}`);
        if (rows.some((row) => row.keyStrength !== 'strong')) {
          out.line(
            `Weak keys can be guessed: give those users a new key (dementia tenants add), then dementia tenants remove the old schema once their data is moved. A strong key is ${STRONG_KEY_ADVICE}.`,
          );
        }
        return;
      }
      case 'remove': {
        if (!schema)
          throw new UserError(
            'MISSING_ARGUMENT',
            'tenants remove needs the tenant schema.',
            'Run: dementia tenants list, then dementia tenants remove dementia_<16 hex>',
          );
        const removed = await tenants.remove(schema);
        if (flags.json) out.json({ removed: removed.schema });
        else out.line(`Tenant ${removed.schema} is no longer served; its tokens are refused. Its data stays in schema ${removed.schema}.`);
        return;
      }
      default:
        throw new UserError('UNKNOWN_COMMAND', `Unknown tenants action "${action ?? ''}".`, 'Use: dementia tenants add | list | remove SCHEMA');
    }
  });
}

/** What `tenants list` says of a key that may be guessed (only its length is known). */
function keyWarning(tenant: Tenant): string {
  if (tenant.keyStrength === 'weak') return `  WEAK KEY (${plural(tenant.keyLength ?? 0, 'character')})`;
  if (tenant.keyStrength === 'unknown') return '  key strength unknown (registered before keys were checked; known at its next sign-in)';
  return '';
}

const describeRemote = (client: RemoteClient, labels: ReadonlyMap<string, string | null>) => ({
  tenant: client.tenant,
  tenantLabel: labels.get(client.tenant) ?? null,
  id: client.id,
  name: client.name,
  kind: client.kind,
  createdAt: isoOrNull(client.createdAt),
  lastSeenAt: isoOrNull(client.lastSeenAt),
});

/** `dementia clients list | remove NAME --hosted [--tenant SCHEMA]`: the signed-in clients (grants) of the hosted server. */
export async function hostedClientsCommand(
  settingFlags: SettingFlags,
  out: Output,
  action: string | undefined,
  name: string | undefined,
  flags: { tenant?: string | undefined; json: boolean },
): Promise<void> {
  await withDirectories(settingFlags, async (tenants, clients) => {
    const registered = await tenants.list();
    const labels = new Map(registered.map((tenant) => [tenant.schema, tenant.label || null]));
    const schemas = flags.tenant ? [flags.tenant] : registered.map((tenant) => tenant.schema);
    if (flags.tenant && !(await tenants.bySchema(flags.tenant))) {
      throw new UserError('UNKNOWN_TENANT', `No tenant with schema "${flags.tenant}" is registered.`, 'See dementia tenants list.');
    }
    switch (action) {
      case 'list': {
        const all = (await Promise.all(schemas.map((schema) => clients.list(schema)))).flat();
        if (flags.json) {
          out.json(all.map((client) => describeRemote(client, labels)));
          return;
        }
        if (all.length === 0) out.line('No signed-in clients.');
        for (const client of all) {
          const label = labels.get(client.tenant);
          out.line(
            `${client.tenant}${label ? ` (${label})` : ''}  ${out.bold(client.name)} (${client.kind}) · id ${client.id} · last seen ${isoOrNull(client.lastSeenAt) ?? 'never'}`,
          );
        }
        return;
      }
      case 'remove': {
        if (!name) throw new UserError('MISSING_ARGUMENT', 'clients remove --hosted needs a client name or id.', 'See dementia clients list --hosted.');
        const matches = (await Promise.all(schemas.map((schema) => clients.list(schema))))
          .flat()
          .filter((c) => c.id === name || c.name.toLowerCase() === name.toLowerCase());
        if (matches.length > 1 && new Set(matches.map((c) => c.tenant)).size > 1) {
          throw new UserError('AMBIGUOUS_CLIENT', `Clients named "${name}" exist in several tenants.`, 'Add --tenant SCHEMA, or pass the client id.');
        }
        const tenant = matches[0]?.tenant ?? schemas[0];
        if (!tenant) throw new UserError('CLIENT_NOT_FOUND', `No signed-in client "${name}".`, 'See dementia clients list --hosted.');
        const revoked = await clients.revoke(tenant, name);
        if (flags.json) out.json({ removed: describeRemote(revoked, labels) });
        else out.line(`Revoked ${out.bold(revoked.name)} of ${revoked.tenant}: its tokens are refused from now on.`);
        return;
      }
      default:
        throw new UserError(
          'UNKNOWN_COMMAND',
          `Unknown hosted clients action "${action ?? ''}".`,
          'Use: dementia clients list --hosted | dementia clients remove NAME --hosted',
        );
    }
  });
}

/**
 * `dementia export --hosted --tenant SCHEMA --to DIR`: an operator exports one tenant's memory as
 * the same files a desktop's `dementia export` writes (and `import dementia-export` reads).
 */
export async function hostedExportCommand(
  settingFlags: SettingFlags,
  tenant: string | undefined,
  to: string,
  project: string | undefined,
): Promise<ExportReport> {
  if (!tenant) throw new UserError('MISSING_ARGUMENT', 'A hosted export needs --tenant SCHEMA.', '`dementia tenants list` shows the schemas.');
  // An export reads every row of the tenant: no 15-second statement limit.
  return withDirectories(
    settingFlags,
    async (tenants, _clients, pool) => {
      const known = (await tenants.list()).map((t) => t.schema);
      if (!known.includes(tenant)) {
        throw new UserError('TENANT_NOT_FOUND', `No tenant has the schema "${tenant}".`, `Export one of: ${known.join(', ') || '(none registered)'}.`);
      }
      const client = await pool.connect();
      try {
        const source = await pgExportSource(client, tenant);
        try {
          return await exportMemory(source, to, project);
        } finally {
          await source.close();
        }
      } finally {
        client.release();
      }
    },
    0,
  );
}
