import { ProtocolError, ProtocolErrorCode, type Server, type ServerEvent } from '@modelcontextprotocol/server';
import type { ResourceWatcher } from '../resources/resource-changes.ts';
import { canonicalUri, type ResourceAddress } from '../resources/resource-uri.ts';
import type { Caller } from '../sessions/caller.ts';

/** Subscriptions one session may hold: any label of an existing project can be subscribed to, so it needs a bound. */
export const MAX_SUBSCRIPTIONS = 256;

/**
 * A sessionful (2025) connection: remembers the project whose resources it last listed and the URIs
 * it subscribed to, and notifies through its server (the client's GET stream carries them).
 */
export class ConnectionResources implements ResourceWatcher {
  readonly caller: Caller;
  private readonly server: Server;
  private readonly isListening: () => boolean;
  /** The project of the last resources/list (null: none was selected). */
  listed: string | null = null;
  /** Canonical URI -> the URI as the client subscribed to it (updates name it the client's way) and its project. */
  private readonly subscriptions = new Map<string, { asSent: string; project: string | null }>();

  constructor(caller: Caller, server: Server, listening: () => boolean = () => true) {
    this.caller = caller;
    this.server = server;
    this.isListening = listening;
  }

  listening(): boolean {
    return this.isListening();
  }

  subscribe(address: ResourceAddress, asSent: string): void {
    const canonical = canonicalUri(address);
    if (!this.subscriptions.has(canonical) && this.subscriptions.size >= MAX_SUBSCRIPTIONS) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `This session already watches ${MAX_SUBSCRIPTIONS} resources, the most one session can; unsubscribe from some (resources/unsubscribe) before subscribing to ${asSent.slice(0, 200)}.`,
      );
    }
    this.subscriptions.set(canonical, { asSent, project: address.kind === 'projects' ? null : address.project });
  }

  unsubscribe(canonical: string): void {
    this.subscriptions.delete(canonical);
  }

  watches(project: string): boolean {
    return this.listed === project || [...this.subscriptions.values()].some((subscription) => subscription.project === project);
  }

  subscribed(uri: string): boolean {
    return this.subscriptions.has(uri);
  }

  listChanged(): void {
    void this.server.sendResourceListChanged().catch(() => {});
  }

  updated(uri: string): void {
    void this.server.sendResourceUpdated({ uri: this.subscriptions.get(uri)?.asSent ?? uri }).catch(() => {});
  }
}

/**
 * A 2026-07-28 `subscriptions/listen` stream: the SDK applies the stream's own filter (which kinds,
 * which URIs), so it is offered every change of its client's project and every URI update.
 */
export class ListenStreamResources implements ResourceWatcher {
  readonly caller: Caller;
  private readonly deliver: (event: ServerEvent) => void;

  constructor(caller: Caller, deliver: (event: ServerEvent) => void) {
    this.caller = caller;
    this.deliver = deliver;
  }

  watches(): boolean {
    return false;
  }

  subscribed(): boolean {
    return true;
  }

  listChanged(): void {
    this.deliver({ kind: 'resources_list_changed' });
  }

  updated(uri: string): void {
    this.deliver({ kind: 'resource_updated', uri });
  }
}
