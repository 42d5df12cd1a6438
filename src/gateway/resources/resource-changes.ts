import { systemTimers, type Timers } from '../clock.ts';
import { CoalescingRuns } from '../coalescing-runs.ts';
import type { Memory } from '../memory/memory.ts';
import type { CallOutcome } from '../sessions/recorded-call.ts';
import type { Handover } from '../store/handovers.ts';
import { normalizeProjectName } from '../store/projects.ts';
import type { Caller } from '../sessions/caller.ts';
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
 * One change of resources, as connections need to hear it: a client instance whose own project
 * changed (its resource list is another one now), and the project whose resources changed, with
 * the URIs that changed. Plain data, so another hosted process can be told (ProcessChanges).
 */
export interface ResourceChange {
  /** A hosted schema; undefined for the one local store. */
  tenant?: string | undefined;
  selection?: { clientId: string; instanceKey: string } | undefined;
  project?: { name: string; uris: string[] } | undefined;
}

/**
 * A project's watchers are told of its changes at most once per this many milliseconds: the first
 * change after a quiet spell at once, the changes that follow within it together at its end. A
 * client re-reads its resource list on every list_changed; with many agents writing to one project
 * (hundreds of locks a second), one notification per lock would have every client re-listing
 * hundreds of times a second, and the gateway writing to every connection for each lock.
 */
export const PROJECT_ROUND_SPACING_MS = 250;

/**
 * Tells open connections when the resources they hold change: notifications/resources/list_changed
 * to those that listed or subscribed to a project (or work on it) when one of its contexts is
 * locked, archived or restored or a handover is written, and when their own client's project
 * changes; notifications/resources/updated for subscribed URIs. Changes arrive from the call layer
 * after they are committed (CallOutcome), from the idle sweeper, and in hosted mode from the other
 * processes (apply). Only connections of the same tenant hear of a change.
 */
export class ResourceChanges {
  private readonly watchers = new Set<ResourceWatcher>();
  private readonly memoryOf: (caller: Caller) => Memory;
  private readonly onError: (error: unknown) => void;
  private readonly onApplied: (change: ResourceChange) => void;
  private readonly projectRounds: CoalescingRuns<string, { tenant: string | undefined; project: string; uris: string[] }>;

  /**
   * `onApplied`: each change made here (not those applied from elsewhere), e.g. to tell other
   * processes. `timers`: what spaces a project's rounds (PROJECT_ROUND_SPACING_MS; tests move it).
   */
  constructor(deps: {
    memoryOf: (caller: Caller) => Memory;
    onError?: (error: unknown) => void;
    onApplied?: (change: ResourceChange) => void;
    timers?: Timers;
  }) {
    this.memoryOf = deps.memoryOf;
    this.onError = deps.onError ?? (() => {});
    this.onApplied = deps.onApplied ?? (() => {});
    this.projectRounds = new CoalescingRuns(
      (_key, changes) => this.tellProjectChanged(changes[0]!.tenant, changes[0]!.project, new Set(changes.flatMap((change) => change.uris))),
      { spacing: { ms: PROJECT_ROUND_SPACING_MS, timers: deps.timers ?? systemTimers } },
    );
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
    const { caller, effects, project } = outcome;
    const versions = [...(effects.locked ?? []), ...(effects.archived ?? []), ...(effects.restored ?? [])];
    const uris = new Set(project ? versions.flatMap((v) => [contextUri(project, v.label), contextUri(project, v.label, v.version)]) : []);
    if (project && effects.handover) uris.add(handoverUri(project));
    return this.made({
      tenant: caller.tenant,
      selection: outcome.selected ? { clientId: caller.client.id, instanceKey: caller.instanceKey } : undefined,
      project: project && uris.size > 0 ? { name: project, uris: [...uris] } : undefined,
    });
  }

  /** Handovers written by the idle sweeper (no call to report them), in `tenant` (undefined: local). */
  async handoversWritten(handovers: Handover[], tenant?: string): Promise<void> {
    for (const project of new Set(handovers.map((h) => h.project))) await this.made({ tenant, project: { name: project, uris: [handoverUri(project)] } });
  }

  /** A change made elsewhere (another hosted process): told to this process's connections only. */
  async apply(change: ResourceChange): Promise<void> {
    if (change.selection) {
      const { clientId, instanceKey } = change.selection;
      for (const watcher of this.ofTenant(change.tenant)) {
        if (watcher.caller.client.id === clientId && watcher.caller.instanceKey === instanceKey) this.safely(() => watcher.listChanged());
      }
    }
    if (change.project) await this.projectChanged(change.tenant, change.project.name, change.project.uris);
  }

  private made(change: ResourceChange): Promise<void> {
    if (!change.selection && !change.project) return Promise.resolve();
    this.safely(() => this.onApplied(change));
    return this.apply(change);
  }

  /**
   * Changes of one project that arrive while its watchers are being told go out together next:
   * under a burst of writes, one read of who works on it and one notification per watcher per round.
   */
  private projectChanged(tenant: string | undefined, project: string, uris: string[]): Promise<void> {
    return this.projectRounds.add(`${tenant ?? ''}\n${project}`, { tenant, project, uris });
  }

  private async tellProjectChanged(tenant: string | undefined, project: string, uris: Set<string>): Promise<void> {
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
