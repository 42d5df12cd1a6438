import type { Memory } from '../memory/memory.ts';
import type { CallOutcome } from '../sessions/recorded-call.ts';
import type { Handover } from '../store/handovers.ts';
import { normalizeProjectName } from '../store/projects.ts';
import type { Caller } from '../tools/tool.ts';
import { contextUri, handoverUri } from './resource-uri.ts';

/** An open MCP connection (or a 2026 listen stream) that wants to hear about resource changes. */
export interface ResourceWatcher {
  readonly caller: Caller;
  /** Whether it holds the resource list of `project` or subscribed to one of its resources. */
  watches(project: string): boolean;
  /** Whether it asked for notifications/resources/updated on this (canonical) URI. */
  subscribed(uri: string): boolean;
  listChanged(): void;
  updated(uri: string): void;
  /**
   * Whether a notification can reach its client now (a 2025 connection only through its open GET
   * stream; without one the SDK drops it). Those that cannot are skipped before any work is done
   * for them: with many abandoned connections, every write would otherwise fan out to all of them.
   */
  listening?(): boolean;
}

/**
 * Tells open connections when the resources they hold change: notifications/resources/list_changed
 * to those that listed or subscribed to a project (or work on it) when one of its contexts is
 * locked, archived or restored or a handover is written, and when their own client's project
 * changes; notifications/resources/updated for subscribed URIs. Changes arrive from the call layer
 * after they are committed (CallOutcome) and from the idle sweeper. Only connections of the same
 * tenant hear of a change.
 */
export class ResourceChanges {
  private readonly watchers = new Set<ResourceWatcher>();
  private readonly memoryOf: (caller: Caller) => Memory;
  private readonly onError: (error: unknown) => void;

  constructor(deps: { memoryOf: (caller: Caller) => Memory; onError?: (error: unknown) => void }) {
    this.memoryOf = deps.memoryOf;
    this.onError = deps.onError ?? (() => {});
  }

  /** Registers a watcher until the returned function is called. */
  add(watcher: ResourceWatcher): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  get size(): number {
    return this.watchers.size;
  }

  /** A committed call: its selection change and the resources it changed. Resolves when everyone was told. */
  callCompleted(outcome: CallOutcome): Promise<void> {
    const { tenant } = outcome.caller;
    if (outcome.selected) {
      const { client, instanceKey } = outcome.caller;
      for (const watcher of this.ofTenant(tenant)) {
        if (watcher.caller.client.id === client.id && watcher.caller.instanceKey === instanceKey) this.safely(() => watcher.listChanged());
      }
    }
    const { effects, project } = outcome;
    if (!project) return Promise.resolve();
    const versions = [...(effects.locked ?? []), ...(effects.archived ?? []), ...(effects.restored ?? [])];
    const uris = new Set(versions.flatMap((v) => [contextUri(project, v.label), contextUri(project, v.label, v.version)]));
    if (effects.handover) uris.add(handoverUri(project));
    return uris.size > 0 ? this.projectChanged(tenant, project, [...uris]) : Promise.resolve();
  }

  /** Handovers written by the idle sweeper (no call to report them), in `tenant` (undefined: local). */
  async handoversWritten(handovers: Handover[], tenant?: string): Promise<void> {
    for (const project of new Set(handovers.map((h) => h.project))) await this.projectChanged(tenant, project, [handoverUri(project)]);
  }

  private async projectChanged(tenant: string | undefined, project: string, uris: string[]): Promise<void> {
    const watchers = this.ofTenant(tenant);
    if (watchers.length === 0) return;
    let workingOn: Set<string> | undefined;
    try {
      // One read for all of them: which client instances have this project selected.
      const selected = await this.memoryOf(watchers[0]!.caller).clientState.instancesOn(project);
      workingOn = new Set(selected.map((instance) => `${instance.clientId}\n${instance.instanceKey}`));
    } catch (error) {
      this.onError(error);
    }
    for (const watcher of watchers) {
      for (const uri of uris) if (watcher.subscribed(uri)) this.safely(() => watcher.updated(uri));
      if (watcher.watches(project) || worksOn(watcher.caller, project, workingOn)) this.safely(() => watcher.listChanged());
    }
  }

  /** Watchers of the tenant that can hear now (Caller.tenant: a hosted schema; undefined for the one local store). */
  private ofTenant(tenant: string | undefined): ResourceWatcher[] {
    return [...this.watchers].filter((watcher) => watcher.caller.tenant === tenant && (watcher.listening?.() ?? true));
  }

  private safely(notify: () => void): void {
    try {
      notify();
    } catch (error) {
      this.onError(error);
    }
  }
}

/** Whether the client's own project (its pin, else its selection) is `project`; no guess. */
function worksOn(caller: Caller, project: string, selected: Set<string> | undefined): boolean {
  const pinned = caller.pinnedProject ?? caller.client.pinnedProject;
  if (pinned) return normalizeProjectName(pinned) === project;
  return selected?.has(`${caller.client.id}\n${caller.instanceKey}`) ?? false;
}
