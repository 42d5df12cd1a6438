import { UserError } from '../errors.ts';
import type { ArchivedVersion, ContextVersion, Priority, VersionSelector } from './context-version.ts';

/**
 * The rules of versioned contexts that do not depend on where they are stored: which versions an
 * archive or restore takes, and the errors that say what exists. The SQLite store and the hosted
 * Postgres store both apply these, so a model gets the same answers from either.
 */

export function versionNotFound(project: string, label: string, selector: VersionSelector, liveVersions: number[]): UserError {
  return new UserError(
    'VERSION_NOT_FOUND',
    `Context "${label}" in project "${project}" has no version ${String(selector)}.`,
    `Use one of the live versions ${liveVersions.join(', ')} or "latest".`,
  );
}

export function contextNotFound(project: string, label: string, similarLabels: string[]): UserError {
  return new UserError(
    'CONTEXT_NOT_FOUND',
    `No context labelled "${label}" in project "${project}".`,
    similarLabels.length > 0
      ? `Did you mean ${similarLabels.map((s) => `"${s}"`).join(', ')}? search_contexts finds contexts by their text.`
      : 'Find labels with search_contexts or explore_context_tree.',
  );
}

/** The LIKE pattern (escape `\`) that finds labels similar to a missing one. */
export function similarLabelPattern(label: string): string {
  return `%${label.slice(0, 40).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** always_check versions are rules the model promised to check: archiving them needs force. */
export function assertArchivable(label: string, targets: ContextVersion[], force: boolean): void {
  const guarded = targets.filter((target) => target.priority === 'always_check');
  if (guarded.length > 0 && !force) {
    throw new UserError(
      'FORCE_REQUIRED',
      `Context "${label}" version ${guarded.map((v) => v.version).join(', ')} has priority always_check; nothing was archived.`,
      'Pass force: true if the rule really no longer applies.',
    );
  }
}

/** The archived versions a restore takes (newest first in `archived`). */
export function restoreTargets(project: string, label: string, archived: ArchivedVersion[], version: VersionSelector | 'all'): ArchivedVersion[] {
  if (archived.length === 0) {
    throw new UserError(
      'NOTHING_TO_RESTORE',
      `Context "${label}" in project "${project}" has no archived versions.`,
      'Check the label with explore_context_tree.',
    );
  }
  const targets = version === 'all' ? archived : version === 'latest' ? archived.slice(0, 1) : archived.filter((a) => a.version === version);
  if (targets.length === 0) {
    throw new UserError(
      'VERSION_NOT_FOUND',
      `Context "${label}" has no archived version ${String(version)}.`,
      `Archived versions: ${archived.map((a) => a.version).join(', ')}.`,
    );
  }
  return targets;
}

/**
 * A new version's priority and tags: the ones passed, else the latest version's (read under the
 * same write lock as the new version, so a concurrent lock cannot slip in between), else none.
 */
export function priorityAndTags(
  latest: Pick<ContextVersion, 'priority' | 'tags'> | undefined,
  priority: Priority | undefined,
  tags: string[] | undefined,
): { priority: Priority; tags: string[] } {
  return { priority: priority ?? latest?.priority ?? 'reference', tags: tags ?? latest?.tags ?? [] };
}

/** A lock of the same content, priority and tags as the latest version changes nothing. */
export function sameAsLatest(
  latest: Pick<ContextVersion, 'contentHash' | 'priority' | 'tags'>,
  contentHash: string,
  priority: string,
  tags: string[],
): boolean {
  return latest.contentHash === contentHash && latest.priority === priority && JSON.stringify(latest.tags) === JSON.stringify(tags);
}
