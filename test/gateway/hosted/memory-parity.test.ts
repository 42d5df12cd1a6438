import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sharedPostgres, disposeSharedPostgres } from '../../helpers/postgres.ts';
import { postgresStack, sqliteStack, transcriptOf, type ToolStack } from './tool-stacks.ts';

type Step = [tool: string, args?: Record<string, unknown>, as?: 'other'];

/**
 * A working day on one memory, call by call: projects, versions, archive and restore, search,
 * notes, a second client, handovers. Local and hosted mode share the tool layer; this proves the
 * two stores under it answer alike.
 */
const DAY: Step[] = [
  ['lock_context', { topic: 'x', content: 'before any project' }],
  ['list_projects'],
  ['create_project', { name: 'LinkedIn', description: 'posting plan' }],
  ['create_project', { name: 'innkeeper' }],
  ['create_project', { name: ' linkedin ' }],
  ['select_project_for_session', { project_name: 'linkedin' }],
  [
    'lock_context',
    {
      topic: 'api/auth',
      content: 'Tokens expire after 15 minutes; refresh with the rotating refresh token.',
      priority: 'always_check',
      tags: 'auth, security',
    },
  ],
  [
    'lock_context',
    {
      topic: 'api/auth',
      content: 'Tokens expire after 15 minutes; refresh with the rotating refresh token.',
      priority: 'always_check',
      tags: ['auth', 'security'],
    },
  ],
  ['lock_context', { topic: 'api/auth', content: 'Tokens expire after 30 minutes.', priority: 'always_check', tags: ['auth'] }],
  // No priority or tags: the new version keeps the latest one's (always_check, [auth]).
  ['lock_context', { topic: 'api/auth', content: 'Tokens expire after 30 minutes; refresh tokens after 30 days.' }],
  ['lock_context', { topic: 'posting/schedule', content: 'Post on Tuesdays and Thursdays at 9:00 CET.', priority: 'important' }],
  ['lock_context', { topic: 'style', content: 'Short sentences. No emoji.' }],
  [
    'batch_lock_contexts',
    {
      contexts: [
        { topic: 'deploy/rules', content: 'Never deploy on Fridays.', priority: 'always_check' },
        { topic: 'glossary', content: 'CET: central european time' },
      ],
    },
  ],
  [
    'batch_lock_contexts',
    {
      contexts: [
        { topic: 'ok', content: 'fine' },
        { topic: 'bad', content: '   ' },
      ],
    },
  ],
  ['recall_context', { topic: 'api/auth' }],
  ['recall_context', { topic: 'api/auth', version: 1 }],
  ['recall_context', { topic: 'api/auth', version: 7 }],
  ['recall_context', { topic: 'api/aut' }],
  ['recall_context', { topic: 'posting/schedule', preview_only: true }],
  ['batch_recall_contexts', { topics: ['style', 'nope', 'glossary'] }],
  ['update_context', { topic: 'style', append: 'Use active voice.' }],
  ['search_contexts', { query: 'deploy fridays' }],
  ['search_contexts', { query: 'tuesdays posting' }],
  ['search_contexts', { query: 'refresh token', priority: 'always_check' }],
  ['search_contexts', { query: 'zebra' }],
  // The same fact under a new name: both stores name the topic it nearly repeats (and save it).
  ['lock_context', { topic: 'posting/days', content: 'Post on Tuesdays and Thursdays at 9:00 CET sharp.' }],
  ['check_contexts', { action: 'deploy the API on friday' }],
  ['explore_context_tree'],
  ['context_dashboard'],
  ['unlock_context', { topic: 'api/auth' }],
  ['unlock_context', { topic: 'api/auth', force: true, version: 'latest' }],
  ['recall_context', { topic: 'api/auth' }],
  ['restore_context', { topic: 'api/auth' }],
  ['recall_context', { topic: 'api/auth' }],
  ['restore_context', { topic: 'style' }],
  ['add_note', { kind: 'decision', text: 'Rotate refresh tokens.' }],
  ['add_note', { kind: 'todo', text: 'Write the migration.' }],
  ['get_project_info'],
  ['session_status', {}, 'other'],
  ['recall_context', { topic: 'style' }, 'other'],
  ['lock_context', { topic: 'menu', content: 'Soup of the day', project: 'innkeeper' }, 'other'],
  ['recall_context', { topic: 'menu' }, 'other'],
  ['recall_context', { topic: 'style' }],
  ['end_session', { summary: 'Set up auth rules and the posting plan.', next_steps: ['write the migration'] }],
  ['get_last_handover'],
  ['lock_context', { topic: 'after', content: 'a new session starts' }],
  ['session_status'],
  ['delete_project', { project_name: 'innkeeper', confirm: 'inkeeper' }],
  ['delete_project', { project_name: 'innkeeper', confirm: 'innkeeper' }],
  ['list_projects'],
  ['recall_context', { topic: 'menu' }, 'other'],
];

async function replay(stack: ToolStack): Promise<string[]> {
  const other = await stack.otherClient('Claude Desktop');
  const transcript: string[] = [];
  for (const [tool, args, as] of DAY) {
    stack.clock.advanceMinutes(1);
    const result = await stack.call(tool, args ?? {}, as === 'other' ? other : undefined);
    transcript.push(`> ${tool} ${JSON.stringify(args ?? {})}\n${transcriptOf(result)}`);
  }
  return transcript;
}

describe('one tool layer, two stores: the hosted Postgres memory answers as the local SQLite one', () => {
  let url: string;
  before(async () => {
    const server = await sharedPostgres();
    url = server.url(await server.createDatabase('parity'));
  });
  after(() => disposeSharedPostgres());

  it('a working day replayed on both gives the model the same text, call by call', async () => {
    const local = sqliteStack();
    const hosted = await postgresStack(url);
    try {
      const [expected, actual] = [await replay(local), await replay(hosted)];
      for (let i = 0; i < DAY.length; i++) assert.equal(actual[i], expected[i], `call ${i + 1} differs`);
      const nearDuplicate = DAY.findIndex(([, args]) => args?.topic === 'posting/days');
      assert.match(actual[nearDuplicate]!, /Very similar to `posting\/schedule` v1 \(87%\): update that one instead\?/);
      assert.match(
        actual[DAY.findIndex(([tool]) => tool === 'context_dashboard')]!,
        /Near-duplicates \(1\):\n- posting\/days v1 ≈ posting\/schedule v1 \(87%\)/,
      );
    } finally {
      await local.close();
      await hosted.close();
    }
  });

  it('idle sessions become exactly one handover each, with their real end time, on both', async () => {
    for (const stack of [sqliteStack(), await postgresStack(url)]) {
      try {
        await stack.call('create_project', { name: 'alpha' });
        const started = await stack.call('lock_context', { topic: 't', content: 'c', project: 'alpha' });
        const lastCallAt = stack.clock.now();
        stack.clock.advanceMinutes(119);
        assert.deepEqual(await stack.sweep(), [], `${stack.kind}: not idle yet`);
        stack.clock.advanceMinutes(1);
        const [handover, ...more] = await stack.sweep();
        assert.equal(more.length, 0, stack.kind);
        assert.equal(handover?.sessionId, (started.structuredContent as { workSession: { id: string } }).workSession.id, stack.kind);
        assert.equal(handover?.endedAt, lastCallAt, `${stack.kind}: the end is the last call`);
        assert.deepEqual(handover?.content.locked, [{ label: 't', version: 1, priority: 'reference' }], stack.kind);
        assert.deepEqual(await stack.sweep(), [], `${stack.kind}: a second sweep writes nothing`);
      } finally {
        await stack.close();
      }
    }
  });
});
