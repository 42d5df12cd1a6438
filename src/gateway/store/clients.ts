import type { Clock } from '../clock.ts';
import { didYouMean } from '../did-you-mean.ts';
import { UserError } from '../errors.ts';
import { digestsEqual, newId, newToken, sha256Hex } from '../secrets.ts';
import { LastSeenThrottle } from './last-seen.ts';
import type { Db } from './database.ts';

export const CLIENT_KINDS = ['claude-desktop', 'claude-code', 'cursor', 'vscode', 'other'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

export interface ClientRecord {
  id: string;
  name: string;
  kind: ClientKind;
  pinnedProject: string | null;
  createdAt: number;
  /** The last tool call (to the minute). */
  lastSeenAt: number | null;
  /** The last time one of its MCP sessions opened or closed (its last request then). */
  lastContactAt: number | null;
}

interface ClientRow {
  id: string;
  name: string;
  kind: ClientKind;
  token_hash: string;
  pinned_project: string | null;
  created_at: number;
  last_seen_at: number | null;
  last_contact_at: number | null;
}

const toRecord = (row: ClientRow): ClientRecord => ({
  id: row.id,
  name: row.name,
  kind: row.kind,
  pinnedProject: row.pinned_project,
  createdAt: row.created_at,
  lastSeenAt: row.last_seen_at,
  lastContactAt: row.last_contact_at,
});

/** The instance key used when a client does not say which of its windows is calling. */
export const DEFAULT_INSTANCE = '';

export function parseClientKind(text: string): ClientKind {
  const kind = text.trim().toLowerCase() as ClientKind;
  if (!CLIENT_KINDS.includes(kind)) {
    throw new UserError('INVALID_CLIENT_KIND', `Unknown client kind "${text}".`, `Use one of: ${CLIENT_KINDS.join(', ')}.`);
  }
  return kind;
}

/** Registered clients, their hashed tokens, and the active project of each client instance. */
export class ClientStore {
  private readonly db: Db;
  private readonly clock: Clock;
  private readonly lastSeen = new LastSeenThrottle();
  private readonly stmts;

  constructor(db: Db, clock: Clock) {
    this.db = db;
    this.clock = clock;
    this.stmts = {
      byHash: db.prepare('SELECT * FROM clients WHERE token_hash = ? AND removed_at IS NULL'),
      byId: db.prepare('SELECT * FROM clients WHERE id = ? AND removed_at IS NULL'),
      byName: db.prepare('SELECT * FROM clients WHERE name = ? COLLATE NOCASE AND removed_at IS NULL'),
      list: db.prepare('SELECT * FROM clients WHERE removed_at IS NULL ORDER BY created_at'),
      tokenHashes: db.prepare('SELECT id, token_hash AS tokenHash FROM clients WHERE removed_at IS NULL'),
      seen: db.prepare('UPDATE clients SET last_seen_at = ? WHERE id = ?'),
      instancesOn: db.prepare('SELECT client_id AS clientId, instance_key AS instanceKey FROM client_instances WHERE active_project = ?'),
      contact: db.prepare('UPDATE clients SET last_contact_at = max(coalesce(last_contact_at, 0), ?) WHERE id = ?'),
      activeProject: db
        .prepare('SELECT i.active_project FROM client_instances i JOIN projects p ON p.name = i.active_project WHERE i.client_id = ? AND i.instance_key = ?')
        .pluck(),
      setActive: db.prepare(
        `INSERT INTO client_instances (client_id, instance_key, active_project, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (client_id, instance_key) DO UPDATE SET active_project = excluded.active_project, updated_at = excluded.updated_at`,
      ),
      instances: db.prepare(
        'SELECT instance_key AS instanceKey, active_project AS activeProject, updated_at AS updatedAt FROM client_instances WHERE client_id = ? ORDER BY updated_at DESC',
      ),
    };
  }

  add(name: string, kind: ClientKind, pinnedProject: string | null): { client: ClientRecord; token: string } {
    const trimmed = name.trim();
    if (trimmed === '' || trimmed.length > 100) {
      throw new UserError('INVALID_CLIENT_NAME', 'A client name must be 1 to 100 characters.', 'Pass a name such as "Claude Code".');
    }
    if (this.byName(trimmed)) {
      throw new UserError(
        'CLIENT_EXISTS',
        `A client named "${trimmed}" already exists.`,
        `Pick another name, or get a new token with: dementia clients rotate-token "${trimmed}".`,
      );
    }
    const token = newToken();
    const id = newId();
    this.db
      .prepare('INSERT INTO clients (id, name, kind, token_hash, pinned_project, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, trimmed, kind, sha256Hex(token), pinnedProject, this.clock.now());
    return { client: this.requireById(id), token };
  }

  /** The client a token belongs to, or undefined. The digest comparison takes constant time. */
  authenticate(token: string): ClientRecord | undefined {
    const hash = sha256Hex(token);
    const row = this.stmts.byHash.get(hash) as ClientRow | undefined;
    if (!row || !digestsEqual(row.token_hash, hash)) return undefined;
    return toRecord(row);
  }

  byId(id: string): ClientRecord | undefined {
    const row = this.stmts.byId.get(id) as ClientRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  byName(name: string): ClientRecord | undefined {
    const row = this.stmts.byName.get(name.trim()) as ClientRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** Finds a client by id or by name; the error lists the registered names. */
  find(idOrName: string): ClientRecord {
    const client = this.byId(idOrName) ?? this.byName(idOrName);
    if (client) return client;
    const names = this.list().map((c) => c.name);
    throw new UserError(
      'CLIENT_NOT_FOUND',
      `No client named "${idOrName}".`,
      names.length > 0
        ? `${didYouMean(idOrName, names)}Registered clients: ${names.map((n) => `"${n}"`).join(', ')}.`
        : 'Register one with: dementia clients add "Claude Code".',
    );
  }

  /** Each live client's token hash: the key a bridge holding the token proves itself with (local-proof.ts). */
  tokenHashes(): { id: string; tokenHash: string }[] {
    return this.stmts.tokenHashes.all() as { id: string; tokenHash: string }[];
  }

  list(): ClientRecord[] {
    return (this.stmts.list.all() as ClientRow[]).map(toRecord);
  }

  remove(id: string): void {
    this.db.prepare('UPDATE clients SET removed_at = ? WHERE id = ?').run(this.clock.now(), id);
  }

  /** Issues a new token; the old one stops working at once. */
  rotateToken(id: string): string {
    const token = newToken();
    this.db.prepare('UPDATE clients SET token_hash = ? WHERE id = ?').run(sha256Hex(token), id);
    return token;
  }

  setPinnedProject(id: string, project: string | null): void {
    this.db.prepare('UPDATE clients SET pinned_project = ? WHERE id = ?').run(project, id);
  }

  markSeen(client: ClientRecord): void {
    const now = this.clock.now();
    if (this.lastSeen.due(client, now)) this.stmts.seen.run(now, client.id);
  }

  instancesOn(project: string): { clientId: string; instanceKey: string }[] {
    return this.stmts.instancesOn.all(project) as { clientId: string; instanceKey: string }[];
  }

  /** A session of the client opened or closed; `at` is its last request then. Never moves back. */
  markContact(id: string, at: number): void {
    this.stmts.contact.run(at, id);
  }

  activeProject(clientId: string, instanceKey: string): string | null {
    return (this.stmts.activeProject.get(clientId, instanceKey) as string | null | undefined) ?? null;
  }

  setActiveProject(clientId: string, instanceKey: string, project: string | null): void {
    this.stmts.setActive.run(clientId, instanceKey, project, this.clock.now());
  }

  instances(clientId: string): { instanceKey: string; activeProject: string | null; updatedAt: number }[] {
    return this.stmts.instances.all(clientId) as { instanceKey: string; activeProject: string | null; updatedAt: number }[];
  }

  private requireById(id: string): ClientRecord {
    const client = this.byId(id);
    if (!client) throw new Error(`client ${id} vanished`);
    return client;
  }
}
