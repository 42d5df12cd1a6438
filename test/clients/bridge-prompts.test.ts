// Issue 13 through the stdio bridge: the real SDK client launches `dementia connect` against a real
// `dementia serve`, picks the resume prompt, reads resources, and hears list_changed (relayed from
// the gateway's GET stream), also after the gateway was killed and restarted.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ResourceListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ServeProcess } from '../helpers/cli-process.ts';
import { connectClient, tempDir } from '../helpers/gateway-harness.ts';
import { cli, connectThroughBridge, freePort, gatewayEnv, killHard, startServe } from './processes.ts';

const textOf = (result: { messages?: { content: { type: string; text?: string } }[]; contents?: ({ text: string } | { blob: string })[] }): string =>
  [...(result.messages ?? []).map((m) => m.content.text ?? ''), ...(result.contents ?? []).map((c) => ('text' in c ? c.text : ''))].join('\n');

describe('prompts and resources through the stdio bridge', () => {
  const dataDir = tempDir();
  let env: Record<string, string>;
  let served: ServeProcess;
  let writerToken: string;

  before(async () => {
    env = gatewayEnv(dataDir, await freePort());
    served = await startServe(env);
    await cli(['clients', 'add', 'Claude Desktop', '--kind', 'claude-desktop', '--json'], env);
    writerToken = (JSON.parse((await cli(['clients', 'add', 'Claude Code', '--json'], env)).stdout) as { token: string }).token;
    const writer = await connectClient(served.url, writerToken);
    await writer.call('create_project', { name: 'garden' });
    await writer.call('create_project', { name: 'kitchen' });
    await writer.call('lock_context', { project: 'garden', topic: 'watering', content: 'Water the tomatoes at dawn.', priority: 'always_check' });
    await writer.call('end_session', { project: 'garden', summary: 'Planted tomatoes.', next_steps: ['Build a trellis'] });
    await writer.close();
  });
  after(async () => {
    served.child.kill('SIGKILL');
    await served.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the prompts and resources, records the reads, and relays list_changed across a gateway restart', { timeout: 60_000 }, async () => {
    const bridge = await connectThroughBridge(['--client', 'Claude Desktop'], env, dataDir);
    const writer = await connectClient(served.url, writerToken);
    try {
      assert.deepEqual(
        (await bridge.client.listPrompts()).prompts.map((p) => p.name),
        ['resume', 'end_session'],
      );
      const none = textOf(await bridge.client.getPrompt({ name: 'resume' }));
      assert.match(none, /no project is selected[\s\S]*- garden \(1 context\)\n- kitchen \(0 contexts\)/);

      const resumed = textOf(await bridge.client.getPrompt({ name: 'resume', arguments: { project: 'garden' } }));
      assert.match(resumed, /^Resume work on project "garden"/);
      assert.match(resumed, /Planted tomatoes\.[\s\S]*Build a trellis/);
      assert.match(resumed, /### watering v1 \(always_check\)\nWater the tomatoes at dawn\./);

      const listed = await bridge.client.listResources();
      assert.deepEqual(
        listed.resources.map((r) => r.uri),
        ['dementia://projects', 'dementia://projects/garden/handover', 'dementia://projects/garden/contexts/watering'],
      );
      assert.deepEqual(
        (await bridge.client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate)[0],
        'dementia://projects/{project}/contexts/{label}',
      );
      await writer.call('lock_context', { project: 'kitchen', topic: 'knives', content: 'Hand wash only.' });
      assert.match(textOf(await bridge.client.readResource({ uri: 'dementia://projects/kitchen/contexts/knives' })), /Hand wash only\./);
      const bad = await bridge.client.readResource({ uri: 'dementia://projects/cellar/handover' }).catch((error: Error) => error);
      assert.ok(bad instanceof Error);
      assert.match(bad.message, /UNKNOWN_PROJECT: Project "cellar" does not exist/);

      let changes = 0;
      let wake: (() => void) | undefined;
      bridge.client.setNotificationHandler(ResourceListChangedNotificationSchema, () => {
        changes++;
        wake?.();
      });
      const heard = async (attempt: () => Promise<unknown>): Promise<void> => {
        // The bridge reopens its stream on its own schedule after a restart: change until one is heard.
        const before = changes;
        for (let tries = 0; changes === before; tries++) {
          assert.ok(tries < 60, 'a change was announced through the bridge');
          await attempt();
          await Promise.race([new Promise<void>((resolve) => (wake = resolve)), new Promise((resolve) => setTimeout(resolve, 250))]);
        }
      };
      let n = 0;
      const lockInGarden = () => writer.call('lock_context', { project: 'garden', topic: `bed-${++n}`, content: `Bed ${n}` });
      await heard(lockInGarden);

      await killHard(served);
      served = await startServe(env);
      const again = await connectClient(served.url, writerToken);
      await heard(() => again.call('lock_context', { project: 'garden', topic: `bed-${++n}`, content: `Bed ${n}` }));
      await again.close();

      // The bridge's reads and its prompt are in its work session on garden: they show as recalled.
      const ended = await bridge.client.callTool({ name: 'end_session', arguments: { summary: 'Looked around.' } });
      const summary = String((ended.structuredContent as { handover: { summary: string } }).handover.summary);
      assert.match(summary, /Contexts recalled:\n- watering v1/);
    } finally {
      await writer.close();
      await bridge.close();
    }
  });
});
