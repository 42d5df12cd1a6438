import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualTimers } from '../../src/gateway/clock.ts';
import { CoalescingRuns } from '../../src/gateway/coalescing-runs.ts';

describe('coalescing runs', () => {
  it('a lone item runs at once; items added during a run go together into the next; keys do not wait for each other', async () => {
    const runs: string[] = [];
    const gates: (() => void)[] = [];
    const coalescing = new CoalescingRuns<string, number>(async (key, items) => {
      runs.push(`${key}:${items.join(',')}`);
      await new Promise<void>((resolve) => gates.push(resolve));
    });
    const first = coalescing.add('a', 1);
    await Promise.resolve();
    await Promise.resolve();
    assert.deepEqual(runs, ['a:1']);
    const second = coalescing.add('a', 2);
    const third = coalescing.add('a', 3);
    assert.equal(second, third, 'one run carries both');
    void coalescing.add('b', 9);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(runs, ['a:1', 'b:9'], 'a waits for its run; b does not');
    gates.shift()!();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(runs, ['a:1', 'b:9', 'a:2,3']);
    for (const open of gates.splice(0)) open();
    await coalescing.drain();
    assert.deepEqual(runs, ['a:1', 'b:9', 'a:2,3']);
  });

  it('a failed run rejects its callers and does not stop the next', async () => {
    const coalescing = new CoalescingRuns<string, number>(async (_key, items) => {
      if (items.includes(1)) throw new Error('run failed');
    });
    await assert.rejects(coalescing.add('a', 1), /run failed/);
    await coalescing.add('a', 2);
    await coalescing.drain();
  });

  it('gathering for a turn of the event loop: items added after awaits in that turn share the first run; a microtask run would not', async () => {
    const runsOf = async (gather: 'microtask' | 'event-loop-turn') => {
      const runs: number[][] = [];
      const coalescing = new CoalescingRuns<'all', number>(async (_key, items) => void runs.push(items), { gather });
      void coalescing.add('all', 1);
      // What a call does between its commit's announcement and its resource change: a few awaits on settled promises.
      for (let i = 0; i < 5; i++) await Promise.resolve();
      void coalescing.add('all', 2);
      await coalescing.drain();
      return runs;
    };
    assert.deepEqual(await runsOf('microtask'), [[1], [2]]);
    assert.deepEqual(await runsOf('event-loop-turn'), [[1, 2]]);
  });

  it('spaced runs: one at once after a quiet spell, then at most one per spacing, carrying everything added meanwhile', async () => {
    const timers = new ManualTimers();
    const runs: string[] = [];
    const coalescing = new CoalescingRuns<string, number>(async (key, items) => void runs.push(`${key}:${items.join(',')}`), {
      spacing: { ms: 250, timers },
    });
    const settled = () => new Promise((resolve) => setImmediate(resolve));
    await coalescing.add('a', 1);
    assert.deepEqual(runs, ['a:1'], 'the first item goes at once');
    for (const item of [2, 3, 4]) void coalescing.add('a', item);
    void coalescing.add('b', 9);
    await settled();
    assert.deepEqual(runs, ['a:1', 'b:9'], 'a waits for its spacing; b has its own');
    timers.advance(249);
    await settled();
    assert.deepEqual(runs, ['a:1', 'b:9']);
    timers.advance(1);
    await settled();
    assert.deepEqual(runs, ['a:1', 'b:9', 'a:2,3,4'], 'one run for all that came meanwhile');
    void coalescing.add('a', 5);
    timers.advance(250);
    await settled();
    assert.deepEqual(runs, ['a:1', 'b:9', 'a:2,3,4', 'a:5']);
    timers.advance(250);
    await coalescing.add('a', 6);
    assert.deepEqual(runs, ['a:1', 'b:9', 'a:2,3,4', 'a:5', 'a:6'], 'after a quiet spell, at once again');
    timers.advance(250);
    assert.equal(timers.pending, 0, 'nothing is kept for a quiet key');
  });
});
