import type { Caller } from './caller.ts';
import { setNewest } from '../bounded-map.ts';

const keyOf = (caller: Caller): string => `${caller.tenant ?? ''}\n${caller.client.id}\n${caller.instanceKey}`;

/**
 * The project each client instance's last call ran on: the guess for its next call's reads ahead
 * (TransactionOptions.readsAhead), right unless the instance changed projects in between. Bounded:
 * past `maxEntries` instances the least recently seen is forgotten (its next call just guesses nothing).
 */
export class LastProjects {
  private readonly entries = new Map<string, string>();
  private readonly maxEntries: number;

  constructor(maxEntries = 10_000) {
    this.maxEntries = maxEntries;
  }

  get(caller: Caller): string | undefined {
    return this.entries.get(keyOf(caller));
  }

  remember(caller: Caller, project: string): void {
    setNewest(this.entries, keyOf(caller), project, this.maxEntries);
  }
}
