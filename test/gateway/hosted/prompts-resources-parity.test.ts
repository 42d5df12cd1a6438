// Issue 13 in hosted mode: prompts and resources are one implementation over Memory, so a tenant's
// Postgres memory gives the model the same resume message, resource list and reads as the desktop's
// SQLite file, and records the reads in its work session alike.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMcpSurface } from '../../../src/gateway/http/mcp-surface.ts';
import { WorkSessionService } from '../../../src/gateway/sessions/work-session-service.ts';
import { allTools } from '../../../src/gateway/tools/index.ts';
import { disposeSharedPostgres, sharedPostgres } from '../../helpers/postgres.ts';
import { postgresStack, sqliteStack, transcriptOf, type ToolStack } from './tool-stacks.ts';

/** What the model and the client see of prompts and resources on one stack, with ids made comparable. */
async function session(stack: ToolStack): Promise<string[]> {
  const surface = createMcpSurface({ memoryOf: () => stack.memory, workSessions: new WorkSessionService(120), tools: allTools });
  const reader = await stack.otherClient('Claude Desktop');
  const step = () => stack.clock.advanceMinutes(1);
  for (const [tool, args] of [
    ['create_project', { name: 'garden' }],
    ['select_project_for_session', { project_name: 'garden' }],
    ['lock_context', { topic: 'watering', content: 'Water at dawn.', priority: 'always_check', tags: ['daily'] }],
    ['lock_context', { topic: 'beds/layout', content: 'Tomatoes north, herbs south.', priority: 'important' }],
    ['lock_context', { topic: 'soil', content: 'Loam, pH 6.5.' }],
    ['add_note', { kind: 'decision', text: 'No pesticides.' }],
    ['add_note', { kind: 'todo', text: 'Buy a trellis.' }],
    ['end_session', { summary: 'Planned the beds.', next_steps: ['Order seeds'] }],
    ['add_note', { kind: 'todo', text: 'Fix the fence.' }],
  ] as const) {
    step();
    await stack.call(tool, args);
  }
  const seen: string[] = [];
  const show = (value: unknown) => seen.push(transcriptOf({ content: [{ type: 'text', text: JSON.stringify(value, null, 1) }] }));
  step();
  show(await surface.prompts.get(reader, 'resume', {}));
  step();
  show(await surface.prompts.get(reader, 'resume', { project: 'garden' }));
  step();
  show(await surface.resources.list(reader, undefined));
  for (const uri of ['dementia://projects/garden/contexts/beds%2Flayout', 'dementia://projects/garden/handover', 'dementia://projects']) {
    step();
    show(await surface.resources.read(reader, uri));
  }
  step();
  show(await surface.prompts.get(reader, 'end_session', {}));
  step();
  show(await stack.call('end_session', { summary: 'Read up.' }, reader));
  return seen;
}

describe('prompts and resources on the hosted Postgres memory answer as on the local SQLite one', () => {
  let url: string;
  before(async () => {
    const server = await sharedPostgres();
    url = server.url(await server.createDatabase('prompts_parity'));
  });
  after(() => disposeSharedPostgres());

  it('resume, the resource list, reads and the handover that records them are the same on both', async () => {
    const local = sqliteStack();
    const hosted = await postgresStack(url);
    try {
      const [expected, actual] = [await session(local), await session(hosted)];
      for (let i = 0; i < expected.length; i++) assert.equal(actual[i], expected[i], `step ${i + 1} differs`);
      const [noProject, resumed, , , , , endPrompt, handover] = actual;
      assert.match(noProject!, /no project is selected/);
      assert.match(resumed!, /### watering v1 \(always_check\) \[daily\]\\nWater at dawn\./);
      assert.match(resumed!, /## Open todos\\n- Fix the fence\./, "todos by kind, the handover's own ones left to the handover");
      assert.match(resumed!, /- beds\/layout v1 \(important\): Tomatoes north/);
      assert.match(endPrompt!, /read watering, beds\/layout/);
      assert.match(handover!, /Contexts recalled:\\n- watering v1\\n- beds\/layout v1/);
    } finally {
      await local.close();
      await hosted.close();
    }
  });
});
