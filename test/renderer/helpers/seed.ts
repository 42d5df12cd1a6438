import { connectClient, startTestGateway, type ConnectedClient, type TestGateway } from '../../helpers/gateway-harness.ts';

export interface SeededGateway {
  test: TestGateway;
  code: ConnectedClient;
  desktop: ConnectedClient;
  ids: { code: string; desktop: string; cursor: string };
  close(): Promise<void>;
}

/**
 * A gateway with the state a user has after a morning of work: three clients (two connected),
 * three projects with contexts, one open work session, a written handover and activity.
 */
export async function seededGateway(): Promise<SeededGateway> {
  const test = await startTestGateway();
  const code = test.addClient('Claude Code', { kind: 'claude-code' });
  const desktop = test.addClient('Claude Desktop', { kind: 'claude-desktop' });
  const cursor = test.addClient('Cursor', { kind: 'cursor' });
  const codeClient = await connectClient(test.url, code.token);
  const desktopClient = await connectClient(test.url, desktop.token);
  await codeClient.call('create_project', { name: 'linkedin', description: 'LinkedIn automation' });
  await codeClient.call('create_project', { name: 'client-portal' });
  await codeClient.call('create_project', { name: 'home-lab' });
  await desktopClient.call('select_project_for_session', { project_name: 'client-portal' });
  await desktopClient.call('lock_context', { topic: 'api-auth', content: 'OAuth tokens live in the vault; never in .env.', priority: 'always_check' });
  await desktopClient.call('add_note', { kind: 'decision', text: 'Use server-side sessions for the portal.' });
  await desktopClient.call('end_session', { summary: 'Set up auth for the portal.', next_steps: ['Wire the login page', 'Add rate limits'] });
  test.clock.advanceMinutes(20);
  await codeClient.call('select_project_for_session', { project_name: 'linkedin' });
  await codeClient.call('lock_context', { topic: 'posting-schedule', content: 'Post Tuesday and Thursday at 9:00.', priority: 'important' });
  await codeClient.call('recall_context', { topic: 'posting-schedule' });
  test.clock.advanceMinutes(37);
  return {
    test,
    code: codeClient,
    desktop: desktopClient,
    ids: { code: code.id, desktop: desktop.id, cursor: cursor.id },
    async close() {
      await codeClient.close().catch(() => {});
      await desktopClient.close().catch(() => {});
      await test.stop({ remove: true });
    },
  };
}
