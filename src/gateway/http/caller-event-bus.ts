import { AsyncLocalStorage } from 'node:async_hooks';
import type { ServerEvent, ServerEventBus } from '@modelcontextprotocol/server';
import type { ResourceChanges } from '../resources/resource-changes.ts';
import type { Caller } from '../sessions/caller.ts';
import { ListenStreamResources } from './resource-watchers.ts';

/**
 * The event bus of the session-less (2026-07-28) leg. The SDK subscribes each `subscriptions/listen`
 * stream to it without saying whose stream it is; the endpoint runs every modern request inside
 * `within(caller)`, so a subscription knows its caller and hears only its own tenant's changes.
 */
export class CallerEventBus implements ServerEventBus {
  private readonly scope = new AsyncLocalStorage<Caller>();
  private readonly changes: ResourceChanges;

  constructor(changes: ResourceChanges) {
    this.changes = changes;
  }

  within<T>(caller: Caller, work: () => T): T {
    return this.scope.run(caller, work);
  }

  subscribe(listener: (event: ServerEvent) => void): () => void {
    const caller = this.scope.getStore();
    if (!caller) throw new Error('A subscriptions/listen stream was opened outside CallerEventBus.within: its caller is unknown');
    return this.changes.add(new ListenStreamResources(caller, listener));
  }

  /** Unscoped publishing would reach every tenant's streams; changes go through ResourceChanges instead. */
  publish(event: ServerEvent): void {
    throw new Error(`CallerEventBus.publish(${event.kind}) is not used: publish changes through ResourceChanges`);
  }
}
