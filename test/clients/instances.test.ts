// One token, several windows: the active project and the work session belong to (client, instance),
// where the instance is the X-Dementia-Instance header (the bridge sends its working directory).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectClient, startTestGateway, type TestGateway } from '../helpers/gateway-harness.ts';
import { structured } from './processes.ts';

describe('client instances', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
    t.gateway.services.projects.create('web');
    t.gateway.services.projects.create('api');
  });
  after(() => t.stop({ remove: true }));

  it('two windows of one client in different repositories keep separate projects and work sessions', async () => {
    const { token } = t.addClient('Claude Code', { kind: 'claude-code' });
    const web = await connectClient(t.url, token, { headers: { 'X-Dementia-Instance': '/home/me/src/web' } });
    const api = await connectClient(t.url, token, { headers: { 'X-Dementia-Instance': encodeURIComponent('/home/me/src/äpi') } });
    await web.call('select_project_for_session', { project_name: 'web' });
    await api.call('select_project_for_session', { project_name: 'api' });
    const a = structured(await web.call('lock_context', { topic: 'x', content: 'web thing' }));
    const b = structured(await api.call('lock_context', { topic: 'x', content: 'api thing' }));
    assert.equal(a.project, 'web');
    assert.equal(b.project, 'api');
    assert.notEqual(a.workSession?.id, b.workSession?.id);
    const instances = t.gateway.services.clients.instances(t.gateway.services.clients.byName('Claude Code')!.id);
    assert.deepEqual(instances.map((i) => [i.instanceKey, i.activeProject]).sort(), [
      ['/home/me/src/web', 'web'],
      ['/home/me/src/äpi', 'api'],
    ]);

    // A new connection (a reconnect) of the same window finds its project again; the other window is unaffected.
    await web.close();
    const webAgain = await connectClient(t.url, token, { headers: { 'X-Dementia-Instance': '/home/me/src/web' } });
    const again = structured(await webAgain.call('recall_context', { topic: 'x' }));
    assert.equal(again.project, 'web');
    assert.equal(again.workSession?.id, a.workSession?.id);
    await webAgain.close();
    await api.close();
  });

  it('over plain HTTP without an instance key, a per-repository pin (X-Dementia-Project) keeps windows apart', async () => {
    const { token } = t.addClient('Cursor', { kind: 'cursor' });
    const plain = await connectClient(t.url, token);
    const pinned = await connectClient(t.url, token, { headers: { 'X-Dementia-Project': 'api' } });
    await plain.call('select_project_for_session', { project_name: 'web' });
    assert.equal(structured(await pinned.call('session_status')).project, 'api', 'the pin wins over the active project');
    assert.equal(structured(await plain.call('session_status')).project, 'web');
    await plain.close();
    await pinned.close();
  });
});
