// Issue 15.6: typos never become projects. An unknown pinned project (X-Dementia-Project, a stored
// pin, `clients add --project`) is refused with the list and a "did you mean"; a pinned client does
// not bring back a project the user just deleted; the user creates one on purpose.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cli } from '../../clients/processes.ts';
import { connectClient, startTestGateway, textOf, type TestGateway } from '../../helpers/gateway-harness.ts';

describe('pinned projects must exist', () => {
  let gw: TestGateway;
  const projectNames = () => gw.gateway.services.projects.names();

  before(async () => {
    gw = await startTestGateway();
    for (const name of ['billing-api', 'webshop']) gw.gateway.services.projects.create(name);
  });
  after(() => gw.stop({ remove: true }));

  it('X-Dementia-Project: billng-api is refused with "did you mean" and the list; nothing is created', async () => {
    const c = await connectClient(gw.url, gw.addClient('Claude Code').token, { headers: { 'X-Dementia-Project': 'billng-api' } });
    try {
      const result = await c.call('lock_context', { topic: 'a', content: 'b' });
      assert.equal(result.isError, true);
      assert.match(
        textOf(result),
        /UNKNOWN_PROJECT: Project "billng-api", pinned in this client's config \(X-Dementia-Project\), does not exist; nothing was done\. Fix: Did you mean "billing-api"\? Existing projects: billing-api, webshop\. .*create_project\(name="billng-api"\)/,
      );
      assert.deepEqual(projectNames(), ['billing-api', 'webshop']);
      // The project tools still work, so the model can list and create.
      const listed = await c.call('list_projects');
      assert.notEqual(listed.isError, true, textOf(listed));
      await c.call('create_project', { name: 'billng-api' });
      const now = await c.call('lock_context', { topic: 'a', content: 'b' });
      assert.equal(now.structuredContent?.project, 'billng-api', 'created on purpose, the pin works');
    } finally {
      await c.close();
    }
  });

  it('a pinned client does not re-create the project the user just deleted', async () => {
    gw.gateway.services.projects.create('scratch');
    const pinned = await connectClient(gw.url, gw.addClient('Cursor', { project: 'scratch' }).token);
    const other = await connectClient(gw.url, gw.addClient('Claude Desktop').token);
    try {
      assert.equal((await pinned.call('lock_context', { topic: 'a', content: 'b' })).structuredContent?.project, 'scratch');
      const deleted = await other.call('delete_project', { project_name: 'scratch', confirm: 'scratch' });
      assert.notEqual(deleted.isError, true, textOf(deleted));
      const after = await pinned.call('lock_context', { topic: 'a', content: 'b' });
      assert.equal(after.isError, true);
      assert.match(textOf(after), /Project "scratch", pinned to this client \(dementia clients add --project\), does not exist/);
      assert.equal(gw.gateway.services.projects.exists('scratch'), false);
    } finally {
      await pinned.close();
      await other.close();
    }
  });

  it('clients add --project webshp is refused (exit 2, nothing registered); --create-project creates it on purpose', async () => {
    const env = { DEMENTIA_DATA_DIR: gw.dataDir, DEMENTIA_PORT: String(gw.gateway.port) };
    const typo = await cli(['clients', 'add', 'Zed', '--project', 'webshp'], env);
    assert.equal(typo.code, 2);
    assert.match(
      typo.stderr,
      /Project "webshp" does not exist; nothing was changed\. Fix: Did you mean "webshop"\? Existing projects: .*webshop\. Add --create-project to create it\./,
    );
    assert.equal(gw.gateway.services.clients.byName('Zed'), undefined);
    assert.equal(gw.gateway.services.projects.exists('webshp'), false);
    const meant = await cli(['clients', 'add', 'Zed', '--project', 'webshp', '--create-project'], env);
    assert.equal(meant.code, 0, meant.stderr);
    assert.match(meant.stdout, /pinned to the new project webshp/);
    assert.equal(gw.gateway.services.clients.byName('Zed')?.pinnedProject, 'webshp');
  });
});
