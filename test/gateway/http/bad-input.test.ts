// Bad input gets a clear error that names the problem and the fix, nothing is half-written, and the
// gateway keeps serving. Requests without a valid token get 401 and the token is never logged.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../../src/gateway/logger.ts';
import { connectClient, startTestGateway, textOf, type ConnectedClient, type TestGateway } from '../../helpers/gateway-harness.ts';

describe('bad input', () => {
  let gw: TestGateway;
  let c: ConnectedClient;
  let token: string;
  const logLines: string[] = [];
  const contextCount = () => gw.gateway.services.db.prepare('SELECT count(*) FROM contexts').pluck().get() as number;

  before(async () => {
    gw = await startTestGateway({ logger: createLogger((line) => logLines.push(line)) });
    token = gw.addClient('fuzzer', { project: 'inputs' }).token;
    c = await connectClient(gw.url, token);
  });
  after(async () => {
    await c.close();
    await gw.stop({ remove: true });
  });

  const cases: [string, string, Record<string, unknown>, RegExp][] = [
    ['wrong type', 'lock_context', { topic: 'a', content: 42 }, /`content` must be a string, got a number/],
    ['missing field', 'lock_context', { content: 'text' }, /Missing required argument `topic`/],
    ['empty content', 'lock_context', { topic: 'a', content: '' }, /`content` is empty/],
    [
      'unknown priority',
      'lock_context',
      { topic: 'a', content: 'x', priority: 'urgent' },
      /`priority` must be one of "always_check", "important", "reference"/,
    ],
    ['unknown argument', 'lock_context', { topic: 'a', content: 'x', tgas: 'x' }, /Unknown argument `tgas`\. Did you mean `tags`\?/],
    ['wrong arguments type', 'search_contexts', { query: ['a'] }, /`query` must be a string, got an array/],
    ['limit out of range', 'search_contexts', { query: 'a', limit: 5000 }, /`limit` must be at most 50/],
    ['unknown project', 'lock_context', { topic: 'a', content: 'x', project: 'nowhere' }, /UNKNOWN_PROJECT: Project "nowhere" does not exist/],
    ['invalid project name', 'lock_context', { topic: 'a', content: 'x', project: '../etc' }, /project name "..\/etc" has characters other than/],
    ['lone surrogate', 'lock_context', { topic: 'a', content: 'bad \ud800 text' }, /unpaired UTF-16 surrogate/],
    ['NUL character', 'lock_context', { topic: 'a', content: 'bad \u0000 text' }, /NUL character/],
    ['version word', 'recall_context', { topic: 'a', version: 'newest' }, /`version` must be a version number/],
    // Beyond Postgres' integer: hosted mode answered INTERNAL_ERROR; the shared schema refuses it for both modes.
    ['version beyond integer range', 'recall_context', { topic: 'a', version: 2147483648 }, /`version` must be a version number .* at most 2147483647/],
    ['bad batch item', 'batch_lock_contexts', { contexts: [{ topic: 'a' }] }, /Missing required argument `contexts\[0\]\.content`/],
    ['delete without confirm', 'delete_project', { project_name: 'inputs', confirm: 'other' }, /CONFIRMATION_REQUIRED/],
  ];

  for (const [name, tool, args, pattern] of cases) {
    it(`rejects ${name} with a clear error and writes nothing`, async () => {
      const before = contextCount();
      const result = await c.call(tool, args);
      assert.equal(result.isError, true);
      assert.match(textOf(result), pattern);
      assert.match(textOf(result), /Fix:|Create it|select_project_for_session/);
      assert.equal(contextCount(), before);
    });
  }

  it('rejects 5 MB of content with the size and the limit', async () => {
    const result = await c.call('lock_context', { topic: 'big', content: 'x'.repeat(5 * 1024 * 1024) });
    assert.equal(result.isError, true);
    assert.match(textOf(result), /`content` is 5\.0 MB; the limit is 1\.0 MB\. Split it/);
  });

  it('stores odd but valid unicode and SQL-looking strings verbatim', async () => {
    const topic = "x'); DROP TABLE contexts; --";
    const content = 'emoji 👩‍💻, RTL שלום, combining é, zero-width\u200b, "quotes" and \\backslashes\\ %_ wildcards';
    const locked = await c.call('lock_context', { topic, content, tags: ["'; DELETE FROM clients; --"] });
    assert.notEqual(locked.isError, true, textOf(locked));
    const recalled = await c.call('recall_context', { topic });
    assert.equal((recalled.structuredContent?.context as { content: string }).content, content);
    const searched = await c.call('search_contexts', { query: 'DROP TABLE" OR 1=1 --' });
    assert.notEqual(searched.isError, true, textOf(searched));
    assert.ok(contextCount() >= 1, 'the contexts table survived');
  });

  it('answers an unknown tool with a JSON-RPC error that lists the tools', async () => {
    await assert.rejects(c.client.callTool({ name: 'lock_contexts', arguments: {} }), /Unknown tool "lock_contexts"\. Available tools: .*lock_context/);
  });

  it('answers malformed JSON-RPC with 400 and keeps serving', async () => {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const notJson = await fetch(gw.url, { method: 'POST', headers, body: '{"jsonrpc": "2.0", "method": ' });
    assert.equal(notJson.status, 400);
    assert.match(((await notJson.json()) as { error: { message: string } }).error.message, /Parse error: the request body is not valid JSON/);
    const notRpc = await fetch(gw.url, { method: 'POST', headers, body: '{"hello": "world"}' });
    assert.ok(notRpc.status >= 400 && notRpc.status < 500, `status ${notRpc.status}`);
    const still = await c.call('session_status');
    assert.notEqual(still.isError, true);
  });

  it('returns 401 without a valid token and never logs the token', async () => {
    const none = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(none.status, 401);
    assert.match(((await none.json()) as { error: { message: string } }).error.message, /Authorization: Bearer <token>/);
    const forged = 'dct_forgedforgedforgedforgedforgedforged123';
    const bad = await fetch(gw.url, { method: 'POST', headers: { authorization: `Bearer ${forged}`, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(bad.status, 401);
    const activity = gw.gateway.services.db.prepare("SELECT group_concat(summary, ' ') FROM activity").pluck().get() as string;
    const everything = `${logLines.join('\n')}\n${activity}`;
    assert.ok(logLines.length > 0, 'the gateway did log something to check');
    assert.ok(!everything.includes(forged) && !everything.includes(token));
  });
});
