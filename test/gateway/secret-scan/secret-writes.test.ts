// DESIGN 14 / headless contract: a write that carries a credential is refused as a tool error whose
// text starts `Error SECRET_DETECTED`, names the kind and place, never echoes the secret, and
// leaves nothing in the database or the sync outbox. A project set to mask stores it masked.
// Real SDK client over real HTTP against a real gateway and SQLite file.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectClient, startTestGateway, textOf, type ConnectedClient, type TestGateway } from '../../helpers/gateway-harness.ts';
import { fakeCredentials } from '../../fixtures/secrets/samples.ts';

const secrets = fakeCredentials();
const github = secrets['github-token']![0]!;
const pem = secrets['private-key']![0]!;
const dbUrl = secrets['database-url']![0]!;
const stripe = secrets['stripe-key']![0]!;

describe('secrets are never stored in the clear (local gateway, real HTTP)', () => {
  let gw: TestGateway;
  let c: ConnectedClient;
  const db = () => gw.gateway.services.db;
  const count = (sql: string) => db().prepare(`SELECT count(*) FROM ${sql}`).pluck().get() as number;
  /** Every stored text of the project and everything waiting for sync, as one string to search. */
  const everything = () =>
    JSON.stringify([
      db().prepare('SELECT * FROM contexts').all(),
      db().prepare('SELECT * FROM archived_contexts').all(),
      db().prepare('SELECT * FROM notes').all(),
      db().prepare('SELECT * FROM handovers').all(),
      db().prepare('SELECT * FROM activity').all(),
      db().prepare('SELECT * FROM applied_calls').all(),
      db().prepare('SELECT * FROM projects').all(),
    ]);
  // What a refused write would have synced (a failed call still touches its work session: that row is the call's own record).
  const outbox = () => count("sync_outbox WHERE entity IN ('context', 'note', 'handover', 'project')");

  async function refused(tool: string, args: Record<string, unknown>, secret: string, kind: RegExp, where: RegExp) {
    const before = { outbox: outbox(), contexts: count('contexts'), notes: count('notes'), handovers: count('handovers') };
    const result = await c.call(tool, args);
    const text = textOf(result);
    assert.equal(result.isError, true, text);
    assert.ok(text.startsWith('Error SECRET_DETECTED'), text);
    assert.match(text, kind);
    assert.match(text, where);
    assert.match(text, /1Password item/);
    assert.ok(!text.includes(secret), 'the error must not echo the secret');
    assert.ok(!JSON.stringify(result.structuredContent).includes(secret));
    assert.equal((result.structuredContent?.error as { code: string }).code, 'SECRET_DETECTED');
    assert.deepEqual({ outbox: outbox(), contexts: count('contexts'), notes: count('notes'), handovers: count('handovers') }, before);
    assert.ok(!everything().includes(secret), 'the secret must not be anywhere in the database');
    return result;
  }

  before(async () => {
    gw = await startTestGateway();
    c = await connectClient(gw.url, gw.addClient('writer', { project: 'vault' }).token);
  });
  after(async () => {
    await c.close();
    await gw.stop({ remove: true });
  });

  it('saves ordinary text, hashes, UUIDs and references to where a secret is kept', async () => {
    const result = await c.call('lock_context', {
      topic: 'deploy/keys',
      content: 'The deploy key is in 1Password item "CI deploy". Release 3f786850e387550fdab836ed7e6dc881de23001b, trace 123e4567-e89b-42d3-a456-426614174000.',
    });
    assert.equal(result.isError, undefined, textOf(result));
    assert.match(textOf(result), /Locked deploy\/keys v1/);
  });

  it('lock_context: refused, naming kind, argument, line and column', async () => {
    await refused(
      'lock_context',
      { topic: 'ci', content: `CI setup.\nThe token is ${github} for now.` },
      github,
      /github-token/,
      /`content` at line 2, column 14/,
    );
  });

  it('lock_context: a private key in the middle of a code block, and a secret in a tag', async () => {
    await refused('lock_context', { topic: 'tls', content: `Server TLS:\n\n\`\`\`\n${pem}\n\`\`\`` }, pem.split('\n')[1]!, /private-key/, /line 4, column 1/);
    await refused('lock_context', { topic: 'ci', content: 'harmless', tags: [stripe.toLowerCase()] }, stripe.toLowerCase(), /stripe-key|secret/, /`tags\[0\]`/);
  });

  it('a "secretlint-disable" comment in the text does not switch the check off', async () => {
    await refused(
      'lock_context',
      { topic: 'ci', content: `// secretlint-disable\nconst t = "${github}"; // secretlint-disable-line` },
      github,
      /github-token/,
      /line 2/,
    );
  });

  it('batch_lock_contexts: one secret refuses the whole batch and names the item', async () => {
    const result = await refused(
      'batch_lock_contexts',
      {
        contexts: [
          { topic: 'a', content: 'plain text A' },
          { topic: 'b', content: `db: ${dbUrl}` },
          { topic: 'c', content: 'plain text C' },
        ],
      },
      dbUrl,
      /database-url/,
      /contexts\[1\] \("b"\)/,
    );
    assert.equal((result.structuredContent?.error as { item: number }).item, 1);
    assert.equal(count("contexts WHERE label IN ('a', 'c')"), 0);
  });

  it('update_context: appended text is checked with the rest', async () => {
    await refused('update_context', { topic: 'deploy/keys', append: `Stripe: ${stripe}` }, stripe, /stripe-key/, /`content` at line 2, column 9/);
  });

  it('add_note and end_session (summary, next steps) are refused; the session stays open', async () => {
    await refused('add_note', { kind: 'todo', text: `rotate ${github}` }, github, /github-token/, /`text` at line 1, column 8/);
    await refused('end_session', { summary: 'Set up CI.', next_steps: ['check the pipeline', `use ${stripe}`] }, stripe, /stripe-key/, /`next_steps\[1\]`/);
    await refused('end_session', { summary: `Connected with ${dbUrl}` }, dbUrl, /database-url/, /`summary`/);
    assert.equal(count('work_sessions WHERE ended_at IS NULL'), 1);
  });

  it('create_project: a description with a credential is refused and no project is created', async () => {
    await refused('create_project', { name: 'leaky', description: `Staging DB ${dbUrl}` }, dbUrl, /database-url in `description`/, /line 1, column 12/);
    assert.equal(count("projects WHERE name = 'leaky'"), 0);
  });

  it('mask mode (set_secret_handling): stored with [REDACTED:kind], and the result says so', async () => {
    const set = await c.call('set_secret_handling', { mode: 'mask' });
    assert.match(textOf(set), /now stores writes that carry a credential with the secret masked/);
    const before = outbox();
    const locked = await c.call('lock_context', { topic: 'ci', content: `The token is "${github}", rotate monthly.` });
    assert.equal(locked.isError, undefined, textOf(locked));
    assert.match(textOf(locked), /A credential was masked before storing/);
    assert.equal(db().prepare("SELECT content FROM contexts WHERE label = 'ci'").pluck().get(), 'The token is "[REDACTED:github-token]", rotate monthly.');
    assert.ok(outbox() > before, 'the masked version is synced like any other');
    const note = await c.call('add_note', { kind: 'note', text: `pg: ${dbUrl}` });
    assert.match(textOf(note), /Recorded note: pg: \[REDACTED:database-url\]/);
    const ended = await c.call('end_session', { summary: `Used ${stripe} in test mode.` });
    assert.equal(ended.isError, undefined, textOf(ended));
    assert.match(textOf(ended), /Used \[REDACTED:stripe-key\] in test mode\./);
    // Names are never masked: a secret in a topic is refused even here.
    await refused('lock_context', { topic: github, content: 'x' }, github, /github-token/, /`topic`/);
    assert.ok(!everything().includes(github) && !everything().includes(dbUrl) && !everything().includes(stripe));
    const info = await c.call('get_project_info', {});
    assert.match(textOf(info), /Secrets in writes: stored masked/);
  });
});
