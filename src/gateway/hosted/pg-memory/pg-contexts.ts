import type { Clock } from '../../clock.ts';
import type { ContextRepository, ReadAhead } from '../../memory/memory.ts';
import { newId, sha256Hex } from '../../secrets.ts';
import {
  assertArchivable,
  contextNotFound,
  priorityAndTags,
  restoreTargets,
  sameAsLatest,
  similarLabelPattern,
  versionNotFound,
} from '../../store/context-rules.ts';
import type { Actor, LockResult } from '../../store/contexts.ts';
import type { ArchivedVersion, ContextVersion, Priority, VersionSelector } from '../../store/context-version.ts';
import { bandsOf } from '../../store/near-duplicates.ts';
import { HOSTED_ORIGIN } from '../pg-transaction.ts';
import { at, type FirstRead, ms, type PgTx } from './pg-tx.ts';
import { literal } from '../prepared-statements.ts';

export interface ContextRow {
  id: string;
  project_name: string;
  label: string;
  version: number;
  content: string;
  priority: Priority;
  tags: string[];
  content_hash: string;
  created_at: Date;
  client_id: string | null;
  session_id: string | null;
}

export const CONTEXT_COLUMNS = 'id, project_name, label, version, content, priority, tags, content_hash, created_at, client_id, session_id';

export const toVersion = (row: ContextRow): ContextVersion => ({
  id: row.id,
  project: row.project_name,
  label: row.label,
  version: row.version,
  content: row.content,
  priority: row.priority,
  tags: row.tags,
  contentHash: row.content_hash,
  createdAt: ms(row.created_at),
  clientId: row.client_id,
  sessionId: row.session_id,
});

/** As the desktop store (store/contexts.ts): candidates per lock and pairs per project at most. */
const MAX_CANDIDATES = 50;
const MAX_PAIRS = 500;

/**
 * Contexts of a tenant schema: every version is a row that never changes; a version is archived
 * while `archived_contexts` holds its tombstone without `restored_at` (docs/postgres-schema.md).
 */
export class PgContexts implements ContextRepository {
  private readonly tx: PgTx;
  private readonly clock: Clock;

  constructor(tx: PgTx, clock: Clock) {
    this.tx = tx;
    this.clock = clock;
  }

  async lock(
    project: string,
    label: string,
    content: string,
    passedPriority: Priority | undefined,
    passedTags: string[] | undefined,
    actor: Actor,
  ): Promise<LockResult> {
    // The label is read without the tenant's change lock, and the insert goes with the commit, on
    // condition that nothing changed the label since the read: the lock that serialises the tenant's
    // writes is then held inside Postgres only (the insert and the commit's flush), never across a
    // turn of this process's event loop. Should the condition fail, the transaction fails as a
    // serialization failure and runs again, taking the change lock before it reads (PgTx.retrying).
    if (this.tx.retrying) await this.tx.lockChanges();
    const { latest, highest } = await this.latestAndHighest(project, label);
    const result = this.nextVersion(project, label, content, passedPriority, passedTags, actor, latest);
    if (!result.created) return result;
    const version = (highest ?? 0) + 1;
    const context = { ...result.context, version };
    const v = literal;
    // The row's near-duplicate bands are written with it, so no later lookup has to fill them; the
    // function fails the transaction as a serialization failure if the label changed since the read.
    this.tx.deferUnderChangeLock(
      `SELECT insert_context_version(${v(context.id, 'uuid')}, ${v(project, 'text')}, ${v(label, 'text')}, ${v(version, 'integer')}, ${v(content, 'text')}, ` +
        `${v(context.priority, 'text')}, ${v(context.tags, 'text[]')}, ${v(context.contentHash, 'text')}, ${v(at(context.createdAt), 'timestamptz')}, ` +
        `${v(actor.clientId, 'uuid')}, ${v(actor.sessionId, 'uuid')}, ${v(HOSTED_ORIGIN, 'uuid')}, ${v(highest ?? 0, 'integer')}, ${v(latest?.id ?? null, 'uuid')}, ` +
        `${bandsLiteral(bandsOf(content))})`,
    );
    return { ...result, context };
  }

  /** The latest live version of a label and the highest number ever used (archived ones count), in one read. */
  private async latestAndHighest(project: string, label: string): Promise<{ latest: ContextVersion | undefined; highest: number | null }> {
    type Found = Partial<ContextRow> & { highest: number | null };
    const found =
      this.tx.prefetched<Found>(latestAndHighestKey(project, label))?.[0] ??
      (await this.tx.row<Found>(latestAndHighestStatement('$1', '$2'), [project, label]));
    return { latest: found?.id ? toVersion(found as ContextRow) : undefined, highest: found?.highest ?? null };
  }

  /** What locking `content` after `latest` makes: the latest itself when nothing changes, else a new version (numbered by the caller). */
  private nextVersion(
    project: string,
    label: string,
    content: string,
    passedPriority: Priority | undefined,
    passedTags: string[] | undefined,
    actor: Actor,
    latest: ContextVersion | undefined,
  ): LockResult {
    const { priority, tags } = priorityAndTags(latest, passedPriority, passedTags);
    const contentHash = sha256Hex(content);
    if (latest && sameAsLatest(latest, contentHash, priority, tags)) return { context: latest, created: false, previousVersion: latest.version };
    const context: ContextVersion = {
      id: newId(),
      project,
      label,
      version: 0,
      content,
      priority,
      tags,
      contentHash,
      createdAt: this.clock.now(),
      clientId: actor.clientId,
      sessionId: actor.sessionId,
    };
    return { context, created: true, previousVersion: latest?.version ?? null };
  }

  async get(project: string, label: string, selector: VersionSelector = 'latest'): Promise<ContextVersion | undefined> {
    const row =
      selector === 'latest'
        ? await this.tx.row<ContextRow>(`SELECT ${CONTEXT_COLUMNS} FROM live_contexts WHERE project_name = $1 AND label = $2 ORDER BY version DESC LIMIT 1`, [
            project,
            label,
          ])
        : await this.tx.row<ContextRow>(`SELECT ${CONTEXT_COLUMNS} FROM live_contexts WHERE project_name = $1 AND label = $2 AND version = $3`, [
            project,
            label,
            selector,
          ]);
    return row ? toVersion(row) : undefined;
  }

  async require(project: string, label: string, selector: VersionSelector = 'latest'): Promise<ContextVersion> {
    const found = await this.get(project, label, selector);
    if (found) return found;
    const versions = (await this.versions(project, label)).map((v) => v.version);
    if (versions.length > 0) throw versionNotFound(project, label, selector, versions);
    const similar = await this.tx.rows<{ label: string }>(
      `SELECT DISTINCT label FROM live_contexts WHERE project_name = $1 AND label LIKE $2 ESCAPE '\\' ORDER BY label LIMIT 5`,
      [project, similarLabelPattern(label)],
    );
    throw contextNotFound(
      project,
      label,
      similar.map((r) => r.label),
    );
  }

  async versions(project: string, label: string): Promise<ContextVersion[]> {
    const rows = this.tx.prefetched<ContextRow>(versionsKey(project, label)) ?? (await this.tx.rows<ContextRow>(VERSIONS, [project, label]));
    return rows.map(toVersion);
  }

  async latestOfProject(project: string): Promise<ContextVersion[]> {
    const rows = await this.tx.rows<ContextRow>(
      `SELECT DISTINCT ON (label) ${CONTEXT_COLUMNS} FROM live_contexts WHERE project_name = $1 ORDER BY label, version DESC`,
      [project],
    );
    return rows.map(toVersion);
  }

  async versionCounts(project: string): Promise<Map<string, number>> {
    const rows = await this.tx.rows<{ label: string; versions: number }>(
      `SELECT label, count(*)::int AS versions FROM live_contexts WHERE project_name = $1 GROUP BY label`,
      [project],
    );
    return new Map(rows.map((row) => [row.label, row.versions]));
  }

  async archivedVersions(project: string, label: string): Promise<ArchivedVersion[]> {
    const rows = await this.tx.rows<ContextRow & { archived_at: Date }>(
      `SELECT ${CONTEXT_COLUMNS.split(', ')
        .map((c) => `c.${c}`)
        .join(', ')}, a.archived_at
       FROM contexts c JOIN archived_contexts a ON a.context_id = c.id AND a.restored_at IS NULL
       WHERE c.project_name = $1 AND c.label = $2 ORDER BY c.version DESC`,
      [project, label],
    );
    return rows.map((row) => ({ ...toVersion(row), archivedAt: ms(row.archived_at) }));
  }

  async archive(project: string, label: string, selector: VersionSelector | 'all', force: boolean, actor: Actor | null): Promise<ContextVersion[]> {
    await this.tx.lockChanges();
    const targets = selector === 'all' ? await this.versions(project, label) : [await this.require(project, label, selector)];
    if (targets.length === 0) await this.require(project, label); // throws: says what exists
    assertArchivable(label, targets, force);
    await this.tx.rows(
      `INSERT INTO archived_contexts (context_id, project_name, label, version, archived_at, archived_by_client, archived_in_session, origin)
       SELECT id, project_name, label, version, $2, $3, $4, $5 FROM contexts WHERE id = ANY($1::uuid[])
       ON CONFLICT (context_id) DO UPDATE SET archived_at = excluded.archived_at, archived_by_client = excluded.archived_by_client,
         archived_in_session = excluded.archived_in_session, restored_at = NULL, origin = excluded.origin`,
      [targets.map((t) => t.id), at(this.clock.now()), actor?.clientId ?? null, actor?.sessionId ?? null, HOSTED_ORIGIN],
    );
    return targets;
  }

  async restore(project: string, label: string, version: VersionSelector | 'all'): Promise<ArchivedVersion[]> {
    await this.tx.lockChanges();
    const targets = restoreTargets(project, label, await this.archivedVersions(project, label), version);
    await this.tx.rows(`UPDATE archived_contexts SET restored_at = $2, origin = $3 WHERE context_id = ANY($1::uuid[])`, [
      targets.map((t) => t.id),
      at(this.clock.now()),
      HOSTED_ORIGIN,
    ]);
    return targets;
  }

  async sharingBand(project: string, label: string, content: string): Promise<ContextVersion[]> {
    const bands = bandsOf(content);
    if (bands.length === 0) return [];
    const lookup = nearDuplicatesRead(project, label, bands);
    for (let filled = false; ; filled = true) {
      // One round trip (or none: read ahead in the call's first): the other labels whose latest
      // version shares a band, and whether rows past the fill mark lack their bands (rows a desktop
      // pushed; the server writes its own with them). The label's own latest version rides along:
      // lock_context writes it next (latestAndHighest).
      type Found = Partial<ContextRow> & BandProbe;
      const rows =
        (filled ? undefined : this.tx.prefetched<Found>(lookup.key)) ?? (await this.tx.rowsAlong<Found>(lookup, latestAndHighestRead(project, label)));
      const probe = rows[0]!;
      if (probe.unbanded && !filled) {
        await this.fillBands();
        continue;
      }
      await this.advanceFillMark(probe);
      return rows.filter((row) => row.id).map((row) => toVersion(row as ContextRow));
    }
  }

  async pairsSharingBand(project: string): Promise<[string, string][]> {
    await this.fillBands();
    const rows = await this.tx.rows<{ a: string; b: string }>(
      `WITH latest AS (SELECT DISTINCT ON (label) id, label FROM live_contexts WHERE project_name = $1 ORDER BY label, version DESC),
         u AS (SELECT l.label, unnest(b.bands) AS band FROM latest l JOIN context_bands b ON b.context_id = l.id),
         shared AS (SELECT band FROM u GROUP BY band HAVING count(*) > 1)
       SELECT DISTINCT x.label AS a, y.label AS b FROM shared s JOIN u x ON x.band = s.band JOIN u y ON y.band = s.band AND x.label < y.label
       LIMIT ${MAX_PAIRS}`,
      [project],
    );
    return rows.map((row) => [row.a, row.b]);
  }

  async lastReads(project: string): Promise<Map<string, number>> {
    const rows = await this.tx.rows<{ label: string; read_at: Date }>(`SELECT label, read_at FROM context_reads WHERE project_name = $1`, [project]);
    return new Map(rows.map((row) => [row.label, ms(row.read_at)]));
  }

  /**
   * Computes the bands of the rows past the fill mark that have none (rows a desktop pushed), then
   * moves the mark past them. Rows become visible in seq order (the change lock), so rows at or below
   * the mark never lack bands.
   */
  private async fillBands(): Promise<void> {
    for (;;) {
      const rows = await this.tx.rows<{ id: string; project_name: string; label: string; content: string; seq: string }>(
        `SELECT c.id, c.project_name, c.label, c.content, c.seq FROM contexts c
         WHERE c.seq > (SELECT filled_seq FROM context_bands_filled) AND NOT EXISTS (SELECT 1 FROM context_bands b WHERE b.context_id = c.id)
         ORDER BY c.seq LIMIT ${FILL_BATCH}`,
      );
      if (rows.length === 0) return;
      await this.tx.rows(
        `INSERT INTO context_bands (context_id, project_name, label, bands)
         SELECT t.id, t.p, t.l, t.b::bigint[] FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS t(id, p, l, b)
         ON CONFLICT (context_id) DO UPDATE SET bands = excluded.bands`,
        [rows.map((r) => r.id), rows.map((r) => r.project_name), rows.map((r) => r.label), rows.map((r) => `{${bandsOf(r.content).join(',')}}`)],
      );
      await this.moveFillMark(rows[rows.length - 1]!.seq);
      if (rows.length < FILL_BATCH) return;
    }
  }

  /**
   * Moves the fill mark past a full probe window in which every row has its bands (the server's own
   * writes), so the probe stays short; one small write every PROBE_WINDOW contexts.
   */
  private async advanceFillMark(probe: BandProbe): Promise<void> {
    if (probe.unbanded || probe.above < PROBE_WINDOW || probe.highest === null) return;
    await this.moveFillMark(probe.highest);
  }

  /**
   * Unless another transaction is moving it right now (then that one does): its row stays locked to
   * that transaction's commit, and every lock waiting on it would queue behind that call.
   */
  private async moveFillMark(seq: string): Promise<void> {
    await this.tx.rows(
      `UPDATE context_bands_filled SET filled_seq = greatest(filled_seq, $1::bigint)
       WHERE one IN (SELECT one FROM context_bands_filled FOR UPDATE SKIP LOCKED)`,
      [seq],
    );
  }
}

const VERSIONS = `SELECT ${CONTEXT_COLUMNS} FROM live_contexts WHERE project_name = $1::text AND label = $2::text ORDER BY version DESC`;
const versionsKey = (project: string, label: string): string => `versions\n${project}\n${label}`;

/** The near-duplicate lookup of a text's bands (sharingBand), keyed by them. */
const nearDuplicatesRead = (project: string, label: string, bands: readonly number[]): FirstRead => ({
  key: `near-duplicates\n${project}\n${label}\n${bands.join(',')}`,
  statement: {
    text: 'SELECT * FROM near_duplicate_lookup($1::text, $2::text, $3::bigint[], $4::integer, $5::integer)',
    values: [literal(project, 'text'), literal(label, 'text'), bandsLiteral(bands), literal(PROBE_WINDOW, 'integer'), literal(MAX_CANDIDATES, 'integer')],
  },
});

/** A call's reads ahead on `project` (TransactionOptions.readsAhead) as the statements the repository would send. */
export function contextReadsAhead(project: string, read: ReadAhead): FirstRead[] {
  if (read.kind === 'versions')
    return [{ key: versionsKey(project, read.label), statement: { text: VERSIONS, values: [literal(project, 'text'), literal(read.label, 'text')] } }];
  const bands = bandsOf(read.content);
  const latest = latestAndHighestRead(project, read.label);
  return bands.length === 0 ? [latest] : [nearDuplicatesRead(project, read.label, bands), latest];
}

/** The latest live version of a label and the highest version number ever used; project and label as SQL (parameters or literals). */
const latestAndHighestStatement = (project: string, label: string): string => `SELECT * FROM latest_and_highest(${project}, ${label})`;

const latestAndHighestKey = (project: string, label: string): string => `latest-and-highest\n${project}\n${label}`;

const latestAndHighestRead = (project: string, label: string): FirstRead => ({
  key: latestAndHighestKey(project, label),
  statement: { text: latestAndHighestStatement('$1::text', '$2::text'), values: [literal(project, 'text'), literal(label, 'text')] },
});

/** Rows past the fill mark a lookup looks at: at most this many, and then the mark moves past them. */
const PROBE_WINDOW = 64;
/** Rows a fill computes per statement. */
const FILL_BATCH = 1_000;

/** What a lookup learns of the rows past the fill mark (near_duplicate_lookup, docs/postgres-schema.md). */
interface BandProbe {
  unbanded: boolean | null;
  above: number;
  highest: string | null;
}

/** Bands as an SQL literal (for statements sent by the simple protocol, which carry no parameters). */
const bandsLiteral = (bands: readonly number[]): string => `ARRAY[${bands.join(',')}]::bigint[]`;
