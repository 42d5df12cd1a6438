import { ResourceListChangedNotificationSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ConnectedClient } from './gateway-harness.ts';

/** The resource notifications a client receives, in order ("list_changed", "updated <uri>"). */
export function notificationLog(client: ConnectedClient['client']) {
  const entries: string[] = [];
  let wake: (() => void) | undefined;
  const push = (entry: string) => {
    entries.push(entry);
    wake?.();
  };
  client.setNotificationHandler(ResourceListChangedNotificationSchema, () => push('list_changed'));
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => push(`updated ${notification.params.uri}`));
  return {
    entries,
    /** Resolves once `entry` has arrived `times` times in all. */
    async until(entry: string, times = 1): Promise<void> {
      while (entries.filter((e) => e === entry).length < times) await new Promise<void>((resolve) => (wake = resolve));
    },
  };
}
