import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setNewest } from '../../src/gateway/bounded-map.ts';

describe('setNewest', () => {
  it('keeps the newest entries up to the bound, forgetting the one set longest ago; setting a key again makes it newest', () => {
    const map = new Map<string, number>();
    for (const [key, value] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ] as const)
      setNewest(map, key, value, 3);
    setNewest(map, 'a', 10, 3);
    setNewest(map, 'd', 4, 3);
    assert.deepEqual(
      [...map],
      [
        ['c', 3],
        ['a', 10],
        ['d', 4],
      ],
      'b was the oldest once a was set again',
    );
    setNewest(map, 'e', 5, 1);
    assert.deepEqual([...map], [['e', 5]], 'a smaller bound drops every older entry');
  });
});
