import type { Clock } from '../clock.ts';
import { newId, sha256Hex } from '../secrets.ts';
import type { Outbox } from './outbox.ts';
import { assertArchivable, contextNotFound, priorityAndTags, restoreTargets, sameAsLatest, similarLabelPattern, versionNotFound } from './context-rules.ts';
import type { ArchivedVersion, ContextVersion, Priority, VersionSelector } from './context-version.ts';
import type { Db } from './database.ts';
import { bandsOf } from './near-duplicates.ts';

/** Who is writing: recorded on every version for handovers and the activity feed. */
export interface Actor {
  clientId: string;
  sessionId: string;
}

export interface LockResult {
  context: ContextVersion;
  /** False when the content, priority and tags equal the latest version, which is returned as is. */
  created: boolean;
  previousVersion: number | null;
}

interface Row {
  seq: number;
  id: string;
  project_name: string;
  label: string;
  version: number;
  content: string;
  priority: Priority;
  tags: string;
  content_hash: string;
  created_at: number;
  client_id: string | null;
  session_id: string | null;
  is_latest: number;
}

const COLUMNS = 'seq, id, project_name, label, version, content, priority, tags, content_hash, created_at, client_id, session_id, is_latest';

function toVersion(row: Row): ContextVersion {
  return {
    id: row.id,
    project: row.project_name,
    label: row.label,
    version: row.version,
    content: row.content,
    priority: row.priority,
    tags: JSON.parse(row.tags) as string[],
    contentHash: row.content_hash,
    createdAt: row.created_at,
    clientId: row.client_id,
    sessionId: row.session_id,
  };
}

/** Candidates confirmed per lock at most, and label pairs per project: bounded work at any size. */
const MAX_CANDIDATES = 50;
const MAX_PAIRS = 500;

/**
 * Versioned, immutable contexts. Every version is a row; exactly one live row per label is
 * marked latest, and only that row is in the full-text index.
 */
export class ContextStore {
  private readonly clock: Clock;
  private readonly outbox: Outbox | undefined;
  private readonly stmts;

  constructor(db: Db, clock: Clock, outbox?: Outbox) {
    this.clock = clock;
    this.outbox = outbox;
    this.stmts = {
      latest: db.prepare(`SELECT ${COLUMNS} FROM contexts WHERE project_name = ? AND label = ? AND is_latest = 1`),
      byVersion: db.prepare(`SELECT ${COLUMNS} FROM contexts WHERE project_name = ? AND label = ? AND version = ?`),
      versions: db.prepare(`SELECT ${COLUMNS} FROM contexts WHERE project_name = ? AND label = ? ORDER BY version DESC`),
      maxVersion: db
        .prepare(
          `SELECT max(v) FROM (
             SELECT max(version) AS v FROM contexts WHERE project_name = ? AND label = ?
             UNION ALL SELECT max(version) FROM archived_contexts WHERE project_name = ? AND label = ?)`,
        )
        .pluck(),
      insert: db.prepare(
        `INSERT INTO contexts (id, project_name, label, version, content, priority, tags, content_hash, is_latest, created_at, client_id, session_id)
         VALUES (@id, @project, @label, @version, @content, @priority, @tags, @contentHash, 1, @createdAt, @clientId, @sessionId)`,
      ),
      unmarkLatest: db.prepare('UPDATE contexts SET is_latest = 0 WHERE seq = ?'),
      markLatest: db.prepare('UPDATE contexts SET is_latest = 1 WHERE seq = ?'),
      ftsInsert: db.prepare('INSERT INTO contexts_fts (rowid, label, content, tags) VALUES (?, ?, ?, ?)'),
      ftsDelete: db.prepare(`INSERT INTO contexts_fts (contexts_fts, rowid, label, content, tags) VALUES ('delete', ?, ?, ?, ?)`),
      deleteRow: db.prepare('DELETE FROM contexts WHERE seq = ?'),
      archive: db.prepare(
        `INSERT INTO archived_contexts (id, project_name, label, version, content, priority, tags, content_hash, created_at,
           client_id, session_id, archived_at, archived_by_client, archived_in_session)
         VALUES (@id, @project_name, @label, @version, @content, @priority, @tags, @content_hash, @created_at,
           @client_id, @session_id, @archivedAt, @archivedBy, @archivedIn)`,
      ),
      archivedVersions: db.prepare(`SELECT * FROM archived_contexts WHERE project_name = ? AND label = ? ORDER BY version DESC`),
      deleteArchived: db.prepare('DELETE FROM archived_contexts WHERE id = ?'),
      liveById: db.prepare(`SELECT ${COLUMNS} FROM contexts WHERE id = ?`),
      // An archived row goes back under its own version; refreshLatest decides whether it is latest.
      restoreById: db.prepare(
        `INSERT INTO contexts (id, project_name, label, version, content, priority, tags, content_hash, is_latest, created_at, client_id, session_id)
         SELECT id, project_name, label, version, content, priority, tags, content_hash, 0, created_at, client_id, session_id
         FROM archived_contexts WHERE id = ?`,
      ),
      latestOfProject: db.prepare(`SELECT ${COLUMNS} FROM contexts WHERE project_name = ? AND is_latest = 1 ORDER BY label`),
      labelsLike: db.prepare(`SELECT label FROM contexts WHERE project_name = ? AND is_latest = 1 AND label LIKE ? ESCAPE '\\' LIMIT 5`).pluck(),
      versionCounts: db.prepare('SELECT label, count(*) AS versions FROM contexts WHERE project_name = ? GROUP BY label'),
      insertArchived: db.prepare(
        `INSERT INTO archived_contexts (id, project_name, label, version, content, priority, tags, content_hash, created_at,
           client_id, session_id, archived_at, archived_by_client, archived_in_session)
         VALUES (@id, @project, @label, @version, @content, @priority, @tags, @contentHash, @createdAt,
           @clientId, @sessionId, @archivedAt, NULL, NULL)`,
      ),
      insertLive: db.prepare(
        `INSERT INTO contexts (id, project_name, label, version, content, priority, tags, content_hash, is_latest, created_at, client_id, session_id)
         VALUES (@id, @project, @label, @version, @content, @priority, @tags, @contentHash, 0, @createdAt, @clientId, @sessionId)`,
      ),
      idsOfLabel: db.prepare(
        'SELECT id, version FROM contexts WHERE project_name = ? AND label = ? UNION ALL SELECT id, version FROM archived_contexts WHERE project_name = ? AND label = ?',
      ),
      idExists: db.prepare('SELECT 1 FROM contexts WHERE id = ? UNION ALL SELECT 1 FROM archived_contexts WHERE id = ?').pluck(),
      everyVersionOfProject: db.prepare(
        `SELECT ${COLUMNS}, NULL AS archived_at FROM contexts WHERE project_name = ?
         UNION ALL SELECT 0, id, project_name, label, version, content, priority, tags, content_hash, created_at, client_id, session_id, 0, archived_at
           FROM archived_contexts WHERE project_name = ?
         ORDER BY label, version`,
      ),
      lastReads: db.prepare('SELECT label, read_at AS readAt FROM context_reads WHERE project_name = ?'),
      bandInsert: db.prepare('INSERT INTO context_bands (seq, project_name, band) VALUES (?, ?, ?)'),
      bandDelete: db.prepare('DELETE FROM context_bands WHERE seq = ?'),
      // Latest versions of other labels sharing a band; a band shared by very many is boilerplate.
      sharingBand: db.prepare(
        `SELECT ${COLUMNS} FROM contexts WHERE seq IN (
           SELECT seq FROM context_bands WHERE project_name = ? AND band IN (SELECT value FROM json_each(?)))
         AND label <> ? ORDER BY seq DESC LIMIT ${MAX_CANDIDATES}`,
      ),
      pairsSharingBand: db.prepare(
        `WITH shared AS (SELECT band FROM context_bands WHERE project_name = ? GROUP BY band HAVING count(*) > 1)
         SELECT DISTINCT ca.label AS a, cb.label AS b
         FROM shared s JOIN context_bands x ON x.project_name = ? AND x.band = s.band
           JOIN context_bands y ON y.project_name = ? AND y.band = s.band AND y.seq > x.seq
           JOIN contexts ca ON ca.seq = x.seq JOIN contexts cb ON cb.seq = y.seq
         LIMIT ${MAX_PAIRS}`,
      ),
      archivedCounts: db.prepare(
        'SELECT label, count(*) AS versions, max(archived_at) AS archivedAt FROM archived_contexts WHERE project_name = ? GROUP BY label ORDER BY label',
      ),
    };
  }

  /** Locks a new version of `label` (priority or tags undefined: the latest's); call inside a transaction. */
  lock(project: string, label: string, content: string, passedPriority: Priority | undefined, passedTags: string[] | undefined, actor: Actor): LockResult {
    const current = this.stmts.latest.get(project, label) as Row | undefined;
    const latest = current ? toVersion(current) : undefined;
    const { priority, tags } = priorityAndTags(latest, passedPriority, passedTags);
    const tagsJson = JSON.stringify(tags);
    const contentHash = sha256Hex(content);
    if (latest && sameAsLatest(latest, contentHash, priority, tags)) {
      return { context: latest, created: false, previousVersion: latest.version };
    }
    const highest = this.highestVersion(project, label);
    if (current) {
      this.stmts.unmarkLatest.run(current.seq);
      this.stmts.ftsDelete.run(current.seq, current.label, current.content, current.tags);
      this.stmts.bandDelete.run(current.seq);
    }
    const version = {
      id: newId(),
      project,
      label,
      version: highest + 1,
      content,
      priority,
      tags: tagsJson,
      contentHash,
      createdAt: this.clock.now(),
      clientId: actor.clientId,
      sessionId: actor.sessionId,
    };
    const seq = Number(this.stmts.insert.run(version).lastInsertRowid);
    this.stmts.ftsInsert.run(seq, label, content, tagsJson);
    this.indexBands(seq, project, content);
    this.outbox?.record('context', 'upsert', version.id);
    return {
      context: { ...version, tags, contentHash },
      created: true,
      previousVersion: current ? current.version : null,
    };
  }

  /**
   * Writes a version with its own number, time and id (copied in from another memory), live or
   * archived; call refreshLatest for the label afterwards. Call inside a transaction.
   */
  insertVersion(version: ContextVersion, archivedAt: number | null): void {
    const row = { ...version, tags: JSON.stringify(version.tags) };
    if (archivedAt === null) {
      this.stmts.insertLive.run(row);
    } else {
      this.stmts.insertArchived.run({ ...row, archivedAt });
    }
    this.outbox?.record('context', 'upsert', version.id);
    if (archivedAt !== null) this.outbox?.record('context', 'archive', version.id);
  }

  /** Id and version of every version of a label, live or archived. */
  versionIds(project: string, label: string): { id: string; version: number }[] {
    return this.stmts.idsOfLabel.all(project, label, project, label) as { id: string; version: number }[];
  }

  /** The highest version number a label has used, live or archived (0 for a new label). */
  highestVersion(project: string, label: string): number {
    return (this.stmts.maxVersion.get(project, label, project, label) as number | null) ?? 0;
  }

  /** True when a version (live or archived) has this id. */
  hasId(id: string): boolean {
    return this.stmts.idExists.get(id, id) !== undefined;
  }

  get(project: string, label: string, selector: VersionSelector = 'latest'): ContextVersion | undefined {
    const row =
      selector === 'latest'
        ? (this.stmts.latest.get(project, label) as Row | undefined)
        : (this.stmts.byVersion.get(project, label, selector) as Row | undefined);
    return row ? toVersion(row) : undefined;
  }

  /** Like get, but a missing label or version is a UserError that says what exists. */
  require(project: string, label: string, selector: VersionSelector = 'latest'): ContextVersion {
    const found = this.get(project, label, selector);
    if (found) return found;
    const versions = this.versions(project, label).map((v) => v.version);
    if (versions.length > 0) throw versionNotFound(project, label, selector, versions);
    throw this.missingLabel(project, label);
  }

  versions(project: string, label: string): ContextVersion[] {
    return (this.stmts.versions.all(project, label) as Row[]).map(toVersion);
  }

  latestOfProject(project: string): ContextVersion[] {
    return (this.stmts.latestOfProject.all(project) as Row[]).map(toVersion);
  }

  versionCounts(project: string): Map<string, number> {
    const rows = this.stmts.versionCounts.all(project) as { label: string; versions: number }[];
    return new Map(rows.map((row) => [row.label, row.versions]));
  }

  /** Archived versions per label of a project (the status window lists labels with none live left). */
  archivedCounts(project: string): { label: string; versions: number; archivedAt: number }[] {
    return this.stmts.archivedCounts.all(project) as { label: string; versions: number; archivedAt: number }[];
  }

  /** Every version of a project, live (archivedAt null) and archived, by label then version (export). */
  everyVersionOfProject(project: string): (ContextVersion & { archivedAt: number | null })[] {
    const rows = this.stmts.everyVersionOfProject.all(project, project) as (Row & { archived_at: number | null })[];
    return rows.map((row) => ({ ...toVersion(row), archivedAt: row.archived_at }));
  }

  archivedVersions(project: string, label: string): ArchivedVersion[] {
    const rows = this.stmts.archivedVersions.all(project, label) as (Row & { archived_at: number })[];
    return rows.map((row) => ({ ...toVersion(row), archivedAt: row.archived_at }));
  }

  /**
   * Moves versions to the archive (restorable). Versions with priority always_check need force,
   * because they are rules the model promised to check. Call inside a transaction. The actor is
   * null when the user archives from the desktop app (no client, no work session).
   */
  archive(project: string, label: string, selector: VersionSelector | 'all', force: boolean, actor: Actor | null): ContextVersion[] {
    const targets = selector === 'all' ? this.versions(project, label) : [this.require(project, label, selector)];
    if (targets.length === 0) throw this.missingLabel(project, label);
    assertArchivable(label, targets, force);
    const now = this.clock.now();
    for (const target of targets) {
      this.moveToArchive(target.id, now, actor?.clientId ?? null, actor?.sessionId ?? null);
      this.outbox?.record('context', 'archive', target.id);
    }
    this.refreshLatest(project, label);
    return targets;
  }

  /** Brings archived versions back under their own version numbers. Call inside a transaction. */
  restore(project: string, label: string, version: VersionSelector | 'all'): ArchivedVersion[] {
    const targets = restoreTargets(project, label, this.archivedVersions(project, label), version);
    for (const target of targets) {
      this.moveToLive(target.id);
      this.outbox?.record('context', 'restore', target.id);
    }
    this.refreshLatest(project, label);
    return targets;
  }

  /**
   * Moves one live version into the archive, leaving the index to refreshLatest. Shared by unlock
   * and by sync applying another machine's tombstone. False when no live version has this id.
   */
  moveToArchive(id: string, archivedAt: number, archivedBy: string | null, archivedIn: string | null): boolean {
    const row = this.stmts.liveById.get(id) as Row | undefined;
    if (!row) return false;
    if (row.is_latest === 1) {
      this.stmts.ftsDelete.run(row.seq, row.label, row.content, row.tags);
      this.stmts.bandDelete.run(row.seq);
    }
    this.stmts.deleteRow.run(row.seq);
    this.stmts.archive.run({ ...row, archivedAt, archivedBy, archivedIn });
    return true;
  }

  /** Moves one archived version back to live under its version number; false when none has this id. */
  moveToLive(id: string): boolean {
    if (this.stmts.restoreById.run(id).changes === 0) return false;
    this.stmts.deleteArchived.run(id);
    return true;
  }

  /** Re-establishes "highest live version is latest and indexed" for one label (sync calls it after applying pulled rows). */
  refreshLatest(project: string, label: string): void {
    const rows = this.stmts.versions.all(project, label) as Row[];
    const [highest, ...older] = rows;
    for (const row of older) {
      if (row.is_latest === 1) {
        this.stmts.unmarkLatest.run(row.seq);
        this.stmts.ftsDelete.run(row.seq, row.label, row.content, row.tags);
        this.stmts.bandDelete.run(row.seq);
      }
    }
    if (highest && highest.is_latest === 0) {
      this.stmts.markLatest.run(highest.seq);
      this.stmts.ftsInsert.run(highest.seq, highest.label, highest.content, highest.tags);
      this.indexBands(highest.seq, project, highest.content);
    }
  }

  /** The latest versions of other labels of the project that share an LSH band with `content` (near-duplicates.ts). */
  sharingBand(project: string, label: string, content: string): ContextVersion[] {
    const bands = bandsOf(content);
    if (bands.length === 0) return [];
    return (this.stmts.sharingBand.all(project, JSON.stringify(bands), label) as Row[]).map(toVersion);
  }

  /** Label pairs of the project whose latest versions share a band: near-duplicate candidates. */
  pairsSharingBand(project: string): [string, string][] {
    return (this.stmts.pairsSharingBand.all(project, project, project) as { a: string; b: string }[]).filter((p) => p.a !== p.b).map((p) => [p.a, p.b]);
  }

  lastReads(project: string): Map<string, number> {
    const rows = this.stmts.lastReads.all(project) as { label: string; readAt: number }[];
    return new Map(rows.map((row) => [row.label, row.readAt]));
  }

  private indexBands(seq: number, project: string, content: string): void {
    for (const band of bandsOf(content)) this.stmts.bandInsert.run(seq, project, band);
  }

  private missingLabel(project: string, label: string) {
    return contextNotFound(project, label, this.stmts.labelsLike.all(project, similarLabelPattern(label)) as string[]);
  }
}
