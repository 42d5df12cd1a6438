// The call pipeline's extension point: CallEvents hooks see every tool call, prompt and resource
// read. onStart may refuse a call (as a secret check would): it is then recorded and answered like
// any failure, and nothing is written.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../../src/gateway/clock.ts';
import { UserError } from '../../../src/gateway/errors.ts';
import { PromptService } from '../../../src/gateway/prompts/prompt-service.ts';
import { createServices, type Services } from '../../../src/gateway/services.ts';
import { CallPipeline } from '../../../src/gateway/sessions/call-pipeline.ts';
import type { CallOutcome, CallStart } from '../../../src/gateway/sessions/recorded-call.ts';
import { DATABASE_FILE, openDatabase } from '../../../src/gateway/store/database.ts';
import { ToolDispatcher } from '../../../src/gateway/tools/dispatcher.ts';
import { allTools } from '../../../src/gateway/tools/index.ts';
import type { Caller } from '../../../src/gateway/sessions/caller.ts';

describe('call pipeline hooks (CallEvents)', () => {
  let dir: string;
  let services: Services;
  let caller: Caller;
  const started: CallStart[] = [];
  const outcomes: CallOutcome[] = [];
  let tools: ToolDispatcher;
  let prompts: PromptService;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dementia-call-events-'));
    const clock = new ManualClock();
    services = createServices(openDatabase(join(dir, DATABASE_FILE), clock), clock, 120);
    services.projects.create('alpha');
    caller = { client: services.clients.add('Claude Code', 'other', 'alpha').client, instanceKey: '' };
    const pipeline = new CallPipeline({
      memoryOf: () => services.memory,
      workSessions: services.workSessions,
      events: {
        onStart: (start) => {
          started.push(start);
          if (JSON.stringify(start.args).includes('hunter2'))
            throw new UserError('SECRET_REFUSED', 'The arguments contain a password; nothing was saved.', 'Remove it.');
        },
        onOutcome: (outcome) => outcomes.push(outcome),
      },
    });
    tools = new ToolDispatcher({ pipeline, tools: allTools });
    prompts = new PromptService({ pipeline });
  });
  after(() => {
    services.db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('onStart sees the validated arguments of tools and prompts; a call it refuses is an error result, recorded, and writes nothing', async () => {
    const refused = await tools.call('lock_context', { topic: 'db', content: 'password hunter2' }, caller);
    assert.equal(refused.isError, true);
    assert.match(String(refused.content[0]?.type === 'text' ? refused.content[0].text : ''), /^Error SECRET_REFUSED: The arguments contain a password/);
    assert.equal(services.db.prepare('SELECT count(*) FROM contexts').pluck().get(), 0);
    const failed = services.db.prepare("SELECT summary FROM activity WHERE tool = 'lock_context' AND ok = 0").pluck().all();
    assert.deepEqual(failed, ['SECRET_REFUSED: The arguments contain a password; nothing was saved.']);

    const locked = await tools.call('lock_context', { topic: 'db', content: 'Postgres 16' }, caller);
    assert.notEqual(locked.isError, true);
    assert.deepEqual(
      started.map((s) => [s.operation, s.args]),
      [
        ['lock_context', { topic: 'db', content: 'password hunter2' }],
        ['lock_context', { topic: 'db', content: 'Postgres 16' }],
      ],
    );
    assert.deepEqual(
      outcomes.map((o) => [o.operation, o.project]),
      [['lock_context', 'alpha']],
    );

    await assert.rejects(prompts.get(caller, 'end_session', { focus: 'hunter2' }), /SECRET_REFUSED/);
    assert.equal(started.at(-1)?.operation, 'prompt:end_session');
  });
});
