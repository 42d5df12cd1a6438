// Issue 21.10: a call refused for a bad argument is filed under the project it was meant for (the
// client's selection, or its `project` argument), not under "no project".
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectClient, startTestGateway, type ConnectedClient, type TestGateway } from '../../helpers/gateway-harness.ts';

describe('activity of a failed call', () => {
  let gw: TestGateway;
  let c: ConnectedClient;
  before(async () => {
    gw = await startTestGateway();
    c = await connectClient(gw.url, gw.addClient('Claude Code').token);
    await c.call('create_project', { name: 'webshop' });
    await c.call('create_project', { name: 'blog' });
    await c.call('select_project_for_session', { project_name: 'webshop' });
  });
  after(async () => {
    await c.close();
    await gw.stop({ remove: true });
  });

  const latest = () => gw.gateway.services.activity.recent(1)[0]!;

  it('a bad argument with a project selected is filed under that project', async () => {
    const result = await c.call('add_note', { kind: 'banana', text: 'ripe' });
    assert.equal(result.isError, true);
    assert.deepEqual([latest().tool, latest().ok, latest().project], ['add_note', false, 'webshop']);
    assert.match(latest().summary, /^INVALID_ARGUMENTS/);
  });

  it('a bad argument naming another project is filed under the named one', async () => {
    await c.call('add_note', { kind: 'banana', text: 'ripe', project: 'blog' });
    assert.deepEqual([latest().tool, latest().ok, latest().project], ['add_note', false, 'blog']);
  });

  it('a bad argument naming an unknown project stays under no project', async () => {
    await c.call('add_note', { kind: 'banana', text: 'ripe', project: 'nowhere' });
    assert.deepEqual([latest().tool, latest().ok, latest().project], ['add_note', false, null]);
  });
});
