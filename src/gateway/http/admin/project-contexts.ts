import type { Services } from '../../services.ts';
import type { ContextVersion, VersionSelector } from '../../store/context-version.ts';
import { iso, preview } from '../../text/format.ts';
import { HttpError } from '../http-utils.ts';

export interface ContextRow {
  label: string;
  version: number;
  priority: string;
  tags: string[];
  /** Live versions of the label. */
  versions: number;
  createdAt: string;
  preview: string;
}

export interface ContextListing {
  project: string;
  contexts: ContextRow[];
  /** Labels whose every version is archived: only restore brings them back. */
  archivedOnly: { label: string; versions: number; archivedAt: string }[];
}

export interface VersionView {
  version: number;
  priority: string;
  tags: string[];
  createdAt: string;
  content: string;
  latest: boolean;
}

export interface ContextDetail {
  project: string;
  label: string;
  versions: VersionView[];
  archived: (Omit<VersionView, 'latest'> & { archivedAt: string })[];
}

/** A version argument as the tools take it: a number, "latest", or (where allowed) "all". */
export function versionSelector(value: unknown): VersionSelector | 'all' {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  if (value === 'latest' || value === 'all') return value;
  throw new HttpError(400, '"version" must be a version number, "latest" or "all".');
}

/**
 * The Projects page's browser: a project's contexts, one context's versions, archive and restore.
 * Archive and restore go through the same store calls as unlock_context and restore_context, so the
 * same rules hold (always_check needs force; restored versions keep their numbers; sync follows).
 */
export class ProjectContexts {
  private readonly services: Services;
  private readonly notify: (reason: string) => void;

  constructor(services: Services, notify: (reason: string) => void) {
    this.services = services;
    this.notify = notify;
  }

  list(project: string): ContextListing {
    this.requireProject(project);
    const { contexts } = this.services;
    const counts = contexts.versionCounts(project);
    const live = contexts.latestOfProject(project);
    const liveLabels = new Set(live.map((c) => c.label));
    return {
      project,
      contexts: live.map((c) => ({
        label: c.label,
        version: c.version,
        priority: c.priority,
        tags: c.tags,
        versions: counts.get(c.label) ?? 1,
        createdAt: iso(c.createdAt),
        preview: preview(c.content, 160),
      })),
      archivedOnly: contexts
        .archivedCounts(project)
        .filter((a) => !liveLabels.has(a.label))
        .map((a) => ({ label: a.label, versions: a.versions, archivedAt: iso(a.archivedAt) })),
    };
  }

  detail(project: string, label: string): ContextDetail {
    this.requireProject(project);
    const live = this.services.contexts.versions(project, label);
    const archived = this.services.contexts.archivedVersions(project, label);
    if (live.length === 0 && archived.length === 0) throw new HttpError(404, `Project "${project}" has no context labelled "${label}".`);
    const view = (c: ContextVersion) => ({ version: c.version, priority: c.priority, tags: c.tags, createdAt: iso(c.createdAt), content: c.content });
    return {
      project,
      label,
      versions: live.map((c, index) => ({ ...view(c), latest: index === 0 })),
      archived: archived.map((a) => ({ ...view(a), archivedAt: iso(a.archivedAt) })),
    };
  }

  async archive(
    project: string,
    label: string,
    selector: VersionSelector | 'all',
    force: boolean,
  ): Promise<{ archived: number[]; latestVersion: number | null }> {
    this.requireProject(project);
    const { memory } = this.services;
    const result = await memory.transaction(async (tx) => {
      const archived = await tx.contexts.archive(project, label, selector, force, null);
      return { archived: archived.map((c) => c.version), latestVersion: (await tx.contexts.get(project, label))?.version ?? null };
    });
    this.notify('contexts');
    return result;
  }

  async restore(project: string, label: string, selector: VersionSelector | 'all'): Promise<{ restored: number[]; latestVersion: number | null }> {
    this.requireProject(project);
    const { memory } = this.services;
    const result = await memory.transaction(async (tx) => {
      const restored = await tx.contexts.restore(project, label, selector);
      return { restored: restored.map((c) => c.version), latestVersion: (await tx.contexts.get(project, label))?.version ?? null };
    });
    this.notify('contexts');
    return result;
  }

  private requireProject(project: string): void {
    if (!this.services.projects.exists(project)) throw new HttpError(404, `No project named "${project}".`);
  }
}
