import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminAuth } from '../helpers/admin-auth.ts';
import { connectClient, startTestGateway, type TestGateway } from '../helpers/gateway-harness.ts';

/** The admin API behind the status window: its own sign-in, CSRF rules, actions and live stream. */
describe('admin API', () => {
  let test: TestGateway;
  let base: string;
  /** An admin session of the CLI's kind (local proof). */
  let admin: { authorization: string };
  /** A browser session: the cookie and the page key, as the status page sends them. */
  let browser: { cookie: string; 'x-dementia-admin': string };
  let client: { id: string; token: string };

  const post = (path: string, body: unknown, headers: Record<string, string>) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  before(async () => {
    test = await startTestGateway();
    base = test.gateway.baseUrl;
    admin = await adminAuth(test.gateway);
    client = test.addClient('Claude Code', { kind: 'claude-code' });
    test.gateway.services.projects.create('linkedin');
    const signIn = await fetch(`${base}/auth?code=${test.gateway.admin.issueCode()}`, { redirect: 'manual' });
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    browser = { cookie, 'x-dementia-admin': /name="dementia-admin-key" content="([^"]+)"/.exec(await signIn.text())![1]! };
  });
  after(() => test.stop({ remove: true }));

  it('needs its own sign-in: a client token is never accepted', async () => {
    assert.equal((await fetch(`${base}/api/status`)).status, 401);
    assert.equal((await fetch(`${base}/api/status`, { headers: { authorization: `Bearer ${client.token}` } })).status, 401);
    assert.equal((await fetch(`${base}/api/status`, { headers: browser })).status, 200);
    assert.equal((await fetch(`${base}/api/status`, { headers: admin })).status, 200);
    assert.equal((await post(`/api/clients/${client.id}/project`, { project: 'linkedin' }, { authorization: `Bearer ${client.token}` })).status, 401);
  });

  it('refuses cross-site writes: foreign or other local origins, missing Origin with a cookie, non-JSON bodies', async () => {
    const path = `/api/clients/${client.id}/project`;
    assert.equal((await post(path, { project: 'linkedin' }, { ...browser, origin: 'https://evil.example' })).status, 403, 'the router refuses foreign origins');
    assert.equal(
      (await post(path, { project: 'linkedin' }, { ...browser, origin: 'http://localhost:3000' })).status,
      403,
      'another local site is not this page',
    );
    assert.equal((await post(path, { project: 'linkedin' }, browser)).status, 403, 'a browser write carries an Origin');
    const form = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { ...browser, origin: base, 'content-type': 'text/plain' },
      body: '{"project":"linkedin"}',
    });
    assert.equal(form.status, 403, 'a simple (preflight-free) request cannot write');
    assert.equal((await post(path, { project: 'linkedin' }, { ...browser, host: 'evil.example' })).status, 403, 'DNS rebinding: foreign Host');
    assert.equal(test.gateway.services.clients.activeProject(client.id, ''), null, 'nothing changed');
    assert.equal((await post(path, { project: 'linkedin' }, { ...browser, origin: base })).status, 200);
    assert.equal(test.gateway.services.clients.activeProject(client.id, ''), 'linkedin');
  });

  it('sets a project for the client and every instance it used; an unknown project is a clear 400', async () => {
    const mcp = await connectClient(test.url, client.token, { headers: { 'x-dementia-instance': '/src/other' } });
    try {
      await mcp.call('select_project_for_session', { project_name: 'linkedin' });
      test.gateway.services.projects.create('home-lab');
      const response = await post(`/api/clients/${client.id}/project`, { project: 'Home-Lab' }, admin);
      assert.deepEqual(
        await response.json(),
        { client: client.id, project: 'home-lab', instances: ['', '/src/other'] },
        'the instance’s own selection is replaced too',
      );
      assert.equal((await mcp.call('session_status')).structuredContent?.project, 'home-lab');
      const unknown = await post(`/api/clients/${client.id}/project`, { project: 'nope' }, admin);
      assert.equal(unknown.status, 400);
      assert.match(((await unknown.json()) as { error: string }).error, /Project "nope" does not exist/);
      const noClient = await post('/api/clients/nobody/project', { project: null }, admin);
      assert.equal(noClient.status, 400);
    } finally {
      await mcp.close();
    }
  });

  it('streams a status snapshot on connect and after every change (SSE)', async () => {
    const controller = new AbortController();
    const response = await fetch(`${base}/api/events`, { headers: browser, signal: controller.signal });
    assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    const nextStatus = async (): Promise<{ clients: { name: string; project: string | null }[] }> => {
      let buffer = '';
      for (;;) {
        const { value } = await reader.read();
        buffer += value;
        const match = /event: status\ndata: (.*)\n\n/.exec(buffer);
        if (match) return JSON.parse(match[1]!) as { clients: { name: string; project: string | null }[] };
      }
    };
    try {
      const first = await nextStatus();
      assert.equal(first.clients[0]!.name, 'Claude Code');
      await post(`/api/clients/${client.id}/project`, { project: null }, admin);
      const second = await nextStatus();
      assert.equal(second.clients[0]!.project, null);
    } finally {
      controller.abort();
    }
  });

  it('ends a client’s sessions now; sync, settings and restart say why they are unavailable headless', async () => {
    const mcp = await connectClient(test.url, client.token);
    try {
      await mcp.call('lock_context', { topic: 'a', content: 'b', project: 'linkedin' });
      const ended = (await (await post(`/api/clients/${client.id}/end-session`, {}, admin)).json()) as { ended: number; handovers: { summary: string }[] };
      assert.equal(ended.ended, 3, 'every open session of the client, on every instance and project');
      for (const handover of ended.handovers) assert.match(handover.summary, /ended by the user in the desktop app/);
      assert.equal(test.gateway.services.sessions.allOpen().filter((s) => s.clientId === client.id).length, 0);
    } finally {
      await mcp.close();
    }
    const auth = admin;
    for (const action of ['now', 'pause', 'resume']) {
      const response = await post(`/api/sync/${action}`, {}, auth);
      assert.equal(response.status, 409);
      assert.match(((await response.json()) as { error: string }).error, /Sync is not configured/);
    }
    const settings = (await (await fetch(`${base}/api/settings`, { headers: auth })).json()) as { editable: boolean; runningPort: number };
    assert.equal(settings.editable, false);
    assert.equal(settings.runningPort, test.gateway.port);
    assert.equal((await post('/api/settings', { port: 48000 }, auth)).status, 409);
    assert.equal((await post('/api/settings', { port: 80 }, auth)).status, 400);
    assert.equal((await post('/api/app/restart', {}, auth)).status, 409);
    const status = (await (await fetch(`${base}/api/status`, { headers: auth })).json()) as { sync: { configured: boolean; state: string }; desktop: boolean };
    assert.deepEqual([status.sync.configured, status.sync.state, status.desktop], [false, 'not-configured', false]);
  });

  it('connect: a preview registers nothing; an existing name is reused, not duplicated; writing cannot name its own file', async () => {
    const auth = admin;
    const clients = () => test.gateway.services.clients.list().map((c) => c.name);
    const before = clients();
    const plan = (await (await post('/api/connect/plan', { kind: 'claude-code' }, auth)).json()) as {
      planId: string;
      client: { id: string | null; name: string; exists: boolean };
      tokenAction: string;
      consequence: string | null;
      command: string;
    };
    assert.deepEqual(plan.client, { id: client.id, name: 'Claude Code', kind: 'claude-code', exists: true }, 'the existing client, never "Claude Code 2"');
    assert.equal(plan.tokenAction, 'rotate', 'no config this test can read holds its token');
    assert.match(plan.consequence!, /Writing issues a new token: the current one stops working/);
    assert.match(plan.command, /^claude mcp add --transport http --scope user dementia .* --header "Authorization: Bearer <token issued when you write>"$/);
    assert.deepEqual(clients(), before, 'a preview registers nothing');
    const refused = await post('/api/connect/apply', { planId: plan.planId }, auth);
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as { error: string }).error, /TOKEN_ROTATION_NEEDED|Nothing was changed\. Fix: Confirm/);
    assert.ok(test.gateway.services.clients.authenticate(client.token), 'the working token still works');
    assert.deepEqual(await (await post('/api/connect/cancel', { planId: plan.planId }, auth)).json(), { cancelled: true });
    assert.ok(test.gateway.services.clients.byId(client.id), 'cancelling removes no client');
    const expired = await post('/api/connect/apply', { planId: plan.planId, path: '/etc/passwd' }, auth);
    assert.equal(expired.status, 404);
    assert.equal((await post('/api/connect/plan', { kind: 'fax-machine' }, auth)).status, 400);
    const typo = await post('/api/connect/plan', { kind: 'cursor', project: 'linkdin' }, auth);
    assert.equal(typo.status, 400);
    assert.match(((await typo.json()) as { error: string }).error, /Project "linkdin" does not exist.*Did you mean "linkedin"\?/);
  });
});
