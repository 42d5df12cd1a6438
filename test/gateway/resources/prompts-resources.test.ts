// Issue 13: prompts and resources with the real SDK clients over real HTTP. resume starts a
// conversation with the project memory within its size budget; contexts and the handover are
// resources of any project of the tenant; reading either is recorded in the work session (it shows
// in the handover as recalled); list_changed reaches connections that listed or subscribed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { RESUME_BUDGET_CHARS } from '../../../src/gateway/prompts/resume-text.ts';
import { connectClient, startTestGateway, textOf, type TestGateway } from '../../helpers/gateway-harness.ts';
import { notificationLog } from '../../helpers/resource-notifications.ts';

/** The text of a resource read. */
const resourceText = (result: { contents: ({ text: string } | { blob: string })[] }): string =>
  result.contents.map((c) => ('text' in c ? c.text : '')).join('\n');

const promptText = (result: { messages: { content: { type: string; text?: string } }[] }): string =>
  result.messages.map((m) => (m.content.type === 'text' ? m.content.text : '')).join('\n');

/** The error a rejected request carries (the SDK client throws it). */
async function rejection(work: Promise<unknown>): Promise<{ code: number; message: string; data?: Record<string, unknown> }> {
  try {
    await work;
  } catch (error) {
    return error as { code: number; message: string; data?: Record<string, unknown> };
  }
  assert.fail('the request was expected to fail');
}

describe('prompts and resources over HTTP', () => {
  let gw: TestGateway;
  const activeProject = (clientId: string) => gw.gateway.services.clients.activeProject(clientId, '');

  before(async () => {
    gw = await startTestGateway();
    const services = gw.gateway.services;
    for (const name of ['webshop', 'billing']) services.projects.create(name);
  });
  after(() => gw.stop({ remove: true }));

  it('lists resume and end_session with their arguments and the size budget', async () => {
    const c = await connectClient(gw.url, gw.addClient('lister').token);
    const { prompts } = await c.client.listPrompts();
    assert.deepEqual(
      prompts.map((p) => p.name),
      ['resume', 'end_session'],
    );
    const resume = prompts[0]!;
    assert.deepEqual(resume.arguments, [{ name: 'project', description: resume.arguments![0]!.description, required: false }]);
    assert.match(resume.description ?? '', /handover.*always_check.*todos.*12,000 characters/s);
    assert.deepEqual(
      prompts[1]!.arguments?.map((a) => [a.name, a.required]),
      [
        ['project', false],
        ['focus', false],
      ],
    );
    await c.close();
  });

  it('resume without a project, none selected: says how to choose, lists the projects, changes nothing', async () => {
    const fresh = gw.addClient('no project yet');
    const c = await connectClient(gw.url, fresh.token);
    const result = await c.client.getPrompt({ name: 'resume', arguments: {} });
    const text = promptText(result);
    assert.match(text, /no project is selected/);
    assert.match(text, /Projects:\n- billing \(0 contexts\)\n- webshop \(0 contexts\)/);
    assert.match(text, /select_project_for_session\(project_name="\.\.\."\)/);
    // An empty argument (what forms send for "not given") is the same as none.
    assert.equal(promptText(await c.client.getPrompt({ name: 'resume', arguments: { project: '  ' } })), text);
    assert.equal(activeProject(fresh.id), null);
    const sessions = gw.gateway.services.db.prepare('SELECT count(*) FROM work_sessions WHERE client_id = ?').pluck().get(fresh.id);
    assert.equal(sessions, 0);
    await c.close();
  });

  it('resume names the handover, the rules in full, the open todos and the important contexts; it selects the project', async () => {
    const writer = await connectClient(gw.url, gw.addClient('Claude Code').token);
    await writer.call('lock_context', {
      project: 'webshop',
      topic: 'deploy/rules',
      content: 'Never deploy on Fridays.\nRun the migrations first.',
      priority: 'always_check',
      tags: ['ops'],
    });
    await writer.call('lock_context', { project: 'webshop', topic: 'api-style', content: 'REST, JSON, snake_case everywhere.', priority: 'important' });
    await writer.call('lock_context', { project: 'webshop', topic: 'glossary', content: 'SKU: stock keeping unit.' });
    await writer.call('add_note', { project: 'webshop', kind: 'todo', text: 'Add the refund endpoint' });
    await writer.call('end_session', { project: 'webshop', summary: 'Built the cart.', next_steps: ['Checkout page'] });
    await writer.call('add_note', { project: 'webshop', kind: 'todo', text: 'Ask legal about VAT' });
    await writer.close();

    const reader = gw.addClient('Claude Desktop');
    const c = await connectClient(gw.url, reader.token);
    const result = await c.client.getPrompt({ name: 'resume', arguments: { project: 'WebShop' } });
    const text = promptText(result);
    assert.equal(result.messages.length, 1);
    assert.equal(result.messages[0]!.role, 'user');
    assert.match(text, /^Resume work on project "webshop"/);
    assert.match(text, /"webshop" is now this client's project/);
    assert.match(text, /## Last handover\nHandover for project "webshop" from Claude Code[\s\S]*Built the cart\.[\s\S]*Checkout page/);
    assert.match(text, /### deploy\/rules v1 \(always_check\) \[ops\]\nNever deploy on Fridays\.\nRun the migrations first\./);
    assert.match(text, /## Open todos\n- Ask legal about VAT/);
    assert.doesNotMatch(text.split('## Open todos')[1]!, /refund endpoint/, 'the handover already lists its own todos');
    assert.match(text, /## Important contexts, in brief\n- api-style v1 \(important\): REST, JSON/);
    assert.match(text, /1 reference context: search_contexts/);
    assert.match(result.description ?? '', /handover from Claude Code, 1 rule, 1 context in brief/);
    assert.equal(activeProject(reader.id), 'webshop');

    // Asked again, it is the same session, no longer new, and the project is not "now" selected again.
    const again = promptText(await c.client.getPrompt({ name: 'resume' }));
    assert.doesNotMatch(again, /is now this client's project|, new\)/);
    // The handover was shown, so the next tool call does not announce it again.
    const status = await c.call('session_status');
    assert.doesNotMatch(textOf(status), /A handover is waiting/);
    await c.close();
  });

  it('resume with an unknown project is an error naming the projects; nothing changes', async () => {
    const client = gw.addClient('typo');
    const c = await connectClient(gw.url, client.token);
    await c.call('select_project_for_session', { project_name: 'billing' });
    const error = await rejection(c.client.getPrompt({ name: 'resume', arguments: { project: 'webshp' } }));
    assert.equal(error.code, -32602);
    assert.match(error.message, /UNKNOWN_PROJECT: Project "webshp" does not exist\. Fix: Did you mean "webshop"\? Existing projects: .*webshop/);
    assert.equal(activeProject(client.id), 'billing');
    assert.equal(gw.gateway.services.projects.exists('webshp'), false);
    const unknown = await rejection(c.client.getPrompt({ name: 'resumee' }));
    assert.match(unknown.message, /Unknown prompt "resumee"\. Available prompts: resume, end_session/);
    const badArg = await rejection(c.client.getPrompt({ name: 'resume', arguments: { projekt: 'webshop' } }));
    assert.match(badArg.message, /Unknown argument `projekt`\. Did you mean `project`\?/);
    await c.close();
  });

  it('end_session asks for summary, next steps and open questions and names what the session did', async () => {
    const c = await connectClient(gw.url, gw.addClient('ender').token);
    await c.call('select_project_for_session', { project_name: 'billing' });
    await c.call('lock_context', { topic: 'invoice-format', content: 'PDF, A4' });
    const text = promptText(await c.client.getPrompt({ name: 'end_session', arguments: { focus: 'the invoice numbering' } }));
    assert.match(text, /end the work session on project "billing"/);
    assert.match(text, /locked invoice-format v1/);
    assert.match(text, /cover: the invoice numbering/);
    assert.match(text, /end_session\(summary="\.\.\.", next_steps=\[\.\.\.\], open_questions=\[\.\.\.\], project="billing"\)/);
    await c.close();
  });

  it("lists the caller's project as resources, and the three templates", async () => {
    const client = gw.addClient('browser');
    const c = await connectClient(gw.url, client.token);
    const none = await c.client.listResources();
    assert.deepEqual(
      none.resources.map((r) => r.uri),
      ['dementia://projects'],
      'without a project: only the project list',
    );
    await c.call('select_project_for_session', { project_name: 'webshop' });
    const { resources } = await c.client.listResources();
    assert.deepEqual(
      resources.map((r) => r.uri),
      [
        'dementia://projects',
        'dementia://projects/webshop/handover',
        'dementia://projects/webshop/contexts/deploy%2Frules',
        'dementia://projects/webshop/contexts/api-style',
        'dementia://projects/webshop/contexts/glossary',
      ],
    );
    const rule = resources[2]!;
    assert.equal(rule.name, 'deploy/rules');
    assert.equal(rule.annotations?.priority, 1);
    assert.match(rule.description ?? '', /^v1 \[ops\]: Never deploy/);
    const { resourceTemplates } = await c.client.listResourceTemplates();
    assert.deepEqual(
      resourceTemplates.map((t) => t.uriTemplate),
      [
        'dementia://projects/{project}/contexts/{label}',
        'dementia://projects/{project}/contexts/{label}/versions/{version}',
        'dementia://projects/{project}/handover',
      ],
    );
    await c.close();
  });

  it("reads contexts and handovers of any project by URI, records them in that project's work session, and keeps the selection", async () => {
    const client = gw.addClient('cross-reader');
    const c = await connectClient(gw.url, client.token);
    await c.call('select_project_for_session', { project_name: 'billing' });
    const writer = await connectClient(gw.url, gw.addClient('cross-writer').token);
    await writer.call('lock_context', { project: 'webshop', topic: 'api-style', content: 'REST, JSON, camelCase now.', priority: 'important' });
    await writer.close();

    const latest = await c.client.readResource({ uri: 'dementia://projects/webshop/contexts/api-style' });
    assert.equal(latest.contents[0]!.uri, 'dementia://projects/webshop/contexts/api-style');
    assert.match(resourceText(latest), /^api-style v2 \(important\) of project "webshop"[\s\S]*camelCase now\.$/);
    const first = await c.client.readResource({ uri: 'dementia://projects/webshop/contexts/api-style/versions/1' });
    assert.match(resourceText(first), /snake_case everywhere/);
    for (const uri of ['dementia://projects/webshop/contexts/deploy%2Frules', 'dementia://projects/WebShop/contexts/deploy/rules']) {
      assert.match(resourceText(await c.client.readResource({ uri })), /Never deploy on Fridays/, uri);
    }
    const handover = await c.client.readResource({ uri: 'dementia://projects/webshop/handover' });
    assert.match(resourceText(handover), /^Handover for project "webshop"/);
    const projects = await c.client.readResource({ uri: 'dementia://projects' });
    assert.match(resourceText(projects), /\* billing[\s\S]*- webshop/);

    assert.equal(activeProject(client.id), 'billing', 'reading by URI does not move the selection');
    // The reads are work on webshop: its work session ends in a handover that lists them as recalled.
    const ended = await c.call('end_session', { project: 'webshop', summary: 'Read the API style.' });
    const summary = String((ended.structuredContent?.handover as { summary: string }).summary);
    assert.match(summary, /Contexts recalled:\n- api-style v2, v1\n- deploy\/rules v1$/);
    assert.match(summary, /\(\d+ min, 6 tool calls\)/, '5 reads and end_session');
    await c.close();
  });

  it('prompts count in the handover like tool calls: resume recalls what it showed', async () => {
    const c = await connectClient(gw.url, gw.addClient('resumer').token);
    await c.client.getPrompt({ name: 'resume', arguments: { project: 'webshop' } });
    const ended = await c.call('end_session', { summary: 'Only resumed.' });
    const summary = String((ended.structuredContent?.handover as { summary: string }).summary);
    assert.match(summary, /Contexts recalled:\n- deploy\/rules v1\n- api-style v2/);
    assert.match(summary, /2 tool calls/);
    await c.close();
  });

  it('bad URIs and unknown projects are clear errors and change nothing', async () => {
    const client = gw.addClient('bad uris');
    const c = await connectClient(gw.url, client.token);
    await c.call('select_project_for_session', { project_name: 'billing' });
    const sessionsBefore = gw.gateway.services.db.prepare('SELECT count(*) FROM work_sessions').pluck().get() as number;
    for (const [uri, pattern] of [
      [
        'https://example.com/x',
        /INVALID_RESOURCE_URI: "https:\/\/example\.com\/x" is not a Dementia resource: it does not start with dementia:\/\/projects\/\. Fix: Use dementia:\/\/projects,/,
      ],
      ['dementia://projects/webshop', /names a project but no resource of it/],
      ['dementia://projects/webshop/notes/x', /after the project comes "contexts\/\{label\}" or "handover"/],
      ['dementia://projects/webshop/contexts/api-style/versions/zero', /the version "zero" is not a positive whole number/],
      ['dementia://projects/webshop/contexts/%E0%A4%A', /its label is not valid percent-encoding/],
      ['dementia://projects/web$hop/handover', /INVALID_PROJECT_NAME/],
    ] as const) {
      const error = await rejection(c.client.readResource({ uri }));
      assert.equal(error.code, -32602, uri);
      assert.match(error.message, pattern, uri);
    }
    const unknown = await rejection(c.client.readResource({ uri: 'dementia://projects/nope/contexts/x' }));
    assert.equal(unknown.code, -32602);
    assert.deepEqual(unknown.data, { uri: 'dementia://projects/nope/contexts/x' }, 'resource-not-found: the data is exactly the URI');
    assert.match(unknown.message, /UNKNOWN_PROJECT: Project "nope" does not exist\. Fix: Existing projects: billing, webshop\./);
    const missing = await rejection(c.client.readResource({ uri: 'dementia://projects/webshop/contexts/nothing-here' }));
    assert.match(missing.message, /CONTEXT_NOT_FOUND: No context labelled "nothing-here" in project "webshop"/);
    const noHandover = await rejection(c.client.readResource({ uri: 'dementia://projects/billing/handover' }));
    assert.match(noHandover.message, /NO_HANDOVER: Project "billing" has no handover yet/);
    const subscribe = await rejection(c.client.subscribeResource({ uri: 'dementia://projects/nope/handover' }));
    assert.match(subscribe.message, /UNKNOWN_PROJECT/);

    assert.equal(gw.gateway.services.projects.exists('nope'), false);
    assert.equal(activeProject(client.id), 'billing');
    const sessionsAfter = gw.gateway.services.db.prepare('SELECT count(*) FROM work_sessions').pluck().get() as number;
    // Only the missing label and handover touched work sessions of existing projects (as a failed tool call would).
    assert.equal(sessionsAfter, sessionsBefore + 1, 'one new work session: on webshop, for the missing label');
    const failures = gw.gateway.services.db
      .prepare("SELECT summary FROM activity WHERE client_id = ? AND tool = 'resources/read' AND ok = 0 ORDER BY id")
      .pluck()
      .all(client.id) as string[];
    assert.equal(failures.length, 9, 'every failed read is in the activity log');
    assert.match(failures[0]!, /^INVALID_RESOURCE_URI/);
    await c.close();
  });

  it('notifies list_changed after a lock or unlock on the listed project, and resources/updated on a subscribed one', { timeout: 30_000 }, async () => {
    const watcher = gw.addClient('watcher');
    const w = await connectClient(gw.url, watcher.token);
    await w.call('select_project_for_session', { project_name: 'webshop' });
    const log = notificationLog(w.client);
    await w.client.listResources();
    await w.client.subscribeResource({ uri: 'dementia://projects/billing/contexts/tax/rates' });

    // The GET stream keeps order, so a resources/updated works as a marker: whatever a change before
    // it (wrongly) announced would be in the log ahead of it.
    const other = await connectClient(gw.url, gw.addClient('other writer').token);
    await gw.gateway.services.projects.create('unrelated');
    await other.call('lock_context', { project: 'unrelated', topic: 'x', content: 'not watched' });
    await other.call('lock_context', { project: 'billing', topic: 'tax/rates', content: '19%' });
    await log.until('updated dementia://projects/billing/contexts/tax/rates');
    await log.until('list_changed');
    assert.deepEqual(
      log.entries,
      ['updated dementia://projects/billing/contexts/tax/rates', 'list_changed'],
      'subscribed: the URI as subscribed, and the list',
    );

    await other.call('lock_context', { project: 'webshop', topic: 'checkout', content: 'Stripe', priority: 'important' });
    await log.until('list_changed', 2);
    await other.call('unlock_context', { project: 'webshop', topic: 'checkout' });
    await log.until('list_changed', 3);

    await w.client.unsubscribeResource({ uri: 'dementia://projects/billing/contexts/tax%2Frates' });
    await w.client.subscribeResource({ uri: 'dementia://projects/billing/contexts/marker' });
    // Its own client moving to another project changes what resources/list returns.
    await w.call('select_project_for_session', { project_name: 'billing' });
    await log.until('list_changed', 4);
    // A read announces nothing; the unsubscribed URI gets no update, only billing's list changes.
    await other.call('recall_context', { project: 'billing', topic: 'tax/rates' });
    await other.call('lock_context', { project: 'billing', topic: 'tax/rates', content: '19%, 7% reduced' });
    await other.call('lock_context', { project: 'billing', topic: 'marker', content: 'marker' });
    await log.until('updated dementia://projects/billing/contexts/marker');
    assert.deepEqual(log.entries.slice(5, 7), ['list_changed', 'updated dementia://projects/billing/contexts/marker']);
    // Ending the session (DELETE) stops its watching; so does reaping idle connections.
    const watching = gw.gateway.endpoint.watcherCount();
    await w.transport.terminateSession();
    assert.equal(gw.gateway.endpoint.watcherCount(), watching - 1);
    await Promise.all([w.close(), other.close()]);
    await gw.gateway.endpoint.reapIdle(0);
    assert.equal(gw.gateway.endpoint.stats().connections, 0);
    assert.equal(gw.gateway.endpoint.watcherCount(), 0, 'closed connections stop watching');
  });

  it('keeps resume within its size budget, rules whole or named, and says what was left out', async () => {
    const services = gw.gateway.services;
    services.projects.create('big');
    const c = await connectClient(gw.url, gw.addClient('big writer').token);
    await c.call('select_project_for_session', { project_name: 'big' });
    const rule = (n: number) => `Rule ${n}: ${'always check the thing before acting. '.repeat(40)}END${n}`;
    for (let n = 1; n <= 12; n++) await c.call('lock_context', { topic: `rule-${n}`, content: rule(n), priority: 'always_check' });
    for (let n = 1; n <= 40; n++) await c.call('lock_context', { topic: `spec-${n}`, content: `Spec ${n}. ${'detail '.repeat(80)}`, priority: 'important' });
    for (let n = 1; n <= 25; n++) await c.call('add_note', { kind: 'todo', text: `Todo ${n} ${'x'.repeat(100)}` });
    await c.call('end_session', { summary: `Long session. ${'We did many things. '.repeat(600)}`, next_steps: ['First', 'Second'] });

    const text = promptText(await c.client.getPrompt({ name: 'resume' }));
    assert.ok(text.length <= RESUME_BUDGET_CHARS, `${text.length} characters`);
    assert.ok(text.length > RESUME_BUDGET_CHARS * 0.9, 'the budget is used, not wasted');
    const shownRules = [...text.matchAll(/### rule-(\d+) v1 \(always_check\)\n(Rule \d+: [^#]*?END\d+)/g)];
    assert.ok(shownRules.length >= 3, `${shownRules.length} rules in full`);
    for (const [, n, body] of shownRules) assert.equal(body, rule(Number(n)), `rule ${n} is whole`);
    const leftOut = text.split('## Not shown here\n')[1] ?? '';
    assert.match(leftOut, new RegExp(`${12 - shownRules.length} always_check rules: rule-`));
    assert.match(leftOut, /The rest of the handover: get_last_handover/);
    assert.match(leftOut, /more important contexts: spec-/);
    assert.match(text, /## Last handover\nHandover for project "big"[\s\S]*Summary from the model:\nLong session\./);
    assert.match(text, /## How to continue\n/);
    await c.close();
  });

  it('shows prompts and resources in initialize for every 2025 revision and in server/discover for 2026-07-28', async () => {
    const { token } = gw.addClient('revisions', { project: 'webshop' });
    for (const version of ['2025-03-26', '2025-06-18', '2025-11-25']) {
      const init = await fetch(gw.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
        }),
      });
      const body = (await init.json()) as { result: { protocolVersion: string; capabilities: Record<string, unknown> } };
      assert.equal(body.result.protocolVersion, version);
      assert.deepEqual(body.result.capabilities, {
        tools: { listChanged: false },
        prompts: { listChanged: false },
        resources: { subscribe: true, listChanged: true },
      });
      await fetch(gw.url, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${token}`, 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': version },
      });
    }
    const modern = new ModernClient({ name: 'modern', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await modern.connect(new ModernTransport(gw.url, { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    assert.equal(modern.getNegotiatedProtocolVersion(), '2026-07-28');
    const capabilities = modern.getServerCapabilities();
    assert.deepEqual(capabilities?.prompts, { listChanged: false });
    assert.deepEqual(capabilities?.resources, { subscribe: true, listChanged: true });
    await modern.close();
  });

  it('serves prompts, resources and list_changed to a session-less 2026-07-28 client, per caller', { timeout: 30_000 }, async () => {
    const { token } = gw.addClient('modern watcher', { project: 'webshop' });
    const modern = new ModernClient({ name: 'modern', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await modern.connect(new ModernTransport(gw.url, { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    assert.deepEqual(
      (await modern.listPrompts()).prompts.map((p) => p.name),
      ['resume', 'end_session'],
    );
    const resumed = await modern.getPrompt({ name: 'resume' });
    assert.match(promptText(resumed as Parameters<typeof promptText>[0]), /^Resume work on project "webshop"/);
    const listed = await modern.listResources();
    assert.ok(listed.resources.some((r) => r.uri === 'dementia://projects/webshop/contexts/api-style'));
    const read = await modern.readResource({ uri: 'dementia://projects/billing/contexts/tax%2Frates' });
    assert.match(resourceText(read), /7% reduced/);

    const entries: string[] = [];
    let wake: (() => void) | undefined;
    const push = (entry: string) => {
      entries.push(entry);
      wake?.();
    };
    modern.setNotificationHandler('notifications/resources/list_changed', () => push('list_changed'));
    modern.setNotificationHandler('notifications/resources/updated', (notification) => push(`updated ${notification.params.uri}`));
    const marker = 'dementia://projects/webshop/contexts/modern';
    const subscription = await modern.listen({ resourcesListChanged: true, resourceSubscriptions: [marker] });
    const other = await connectClient(gw.url, gw.addClient('modern other').token);
    await other.call('lock_context', { project: 'billing', topic: 'not-watched', content: "billing is not this client's project" });
    await other.call('lock_context', { project: 'webshop', topic: 'modern', content: 'seen by the listen stream' });
    while (entries.length < 2) await new Promise<void>((resolve) => (wake = resolve));
    assert.deepEqual(entries, [`updated ${marker}`, 'list_changed'], "nothing for billing; the marker, then its project's list");
    await subscription.close();
    await other.close();
    await modern.close();
  });
});
