// Must hold (issue 4): 16 clients x 500 calls at once on 4 projects, real SDK client over real HTTP.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runConcurrentLoad } from './concurrent-load.ts';

describe('concurrent clients', () => {
  it('16 clients x 500 calls on 4 projects: no errors, no cross-project rows, flat memory, idle connection table', async () => {
    // Memory is compared after a warm-up of the same size: the gateway's RSS rises to a high-water
    // mark (SQLite page cache, allocator pools) and then stays flat; growth after it would be a leak.
    const result = await runConcurrentLoad({ clients: 16, callsPerClient: 500, projects: 4, warmupCalls: 500 });
    assert.equal(result.calls, 16 * 500);
    assert.deepEqual(result.errors.slice(0, 5), []);
    assert.equal(result.crossProjectRows, 0);
    assert.equal(result.connectionsPeak, 16);
    assert.equal(result.connectionsAfter, result.connectionsIdle);
    const growth = result.rssAfter / result.rssBefore;
    assert.ok(growth <= 1.2, `RSS ${(result.rssBefore / 1e6).toFixed(0)} MB -> ${(result.rssAfter / 1e6).toFixed(0)} MB (x${growth.toFixed(2)})`);
  });
});
