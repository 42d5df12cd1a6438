import type { Services } from '../../services.ts';
import { endedText, handoverForReader, recordsWork, workDigest } from '../../sessions/handover-choice.ts';
import { requireExistingProject } from '../../sessions/project-resolver.ts';
import { DEFAULT_INSTANCE, type ClientRecord } from '../../store/clients.ts';
import type { Handover } from '../../store/handovers.ts';

/** The end reason of sessions the user ends from the tray or the status window. */
export const ENDED_BY_USER = 'ended_by_user';

/**
 * What the user can do to a client from the tray and the status window. Both call these, so a
 * change made in either is the same change, and `notify` makes every live view show it.
 */
export class ClientControl {
  private readonly services: Services;
  private readonly notify: (reason: string) => void;

  constructor(services: Services, notify: (reason: string) => void) {
    this.services = services;
    this.notify = notify;
  }

  /**
   * Sets the client's project the way select_project_for_session does (same name rules, same
   * stored active project, same activity entry), for the client's default instance and every
   * instance it has used: the user picks a project for "Claude Code", not for one of its windows.
   * Unlike the tool it opens no work session: a click is not work, and an empty session would only
   * turn into an empty handover. `null` clears the selection ("No project").
   */
  async setProject(clientIdOrName: string, project: string | null): Promise<{ client: ClientRecord; project: string | null; instances: string[] }> {
    const { services } = this;
    const client = services.clients.find(clientIdOrName);
    const name = project === null ? null : await requireExistingProject(services.memory, project);
    const instances = [...new Set([DEFAULT_INSTANCE, ...services.clients.instances(client.id).map((i) => i.instanceKey)])];
    services.db
      .transaction(() => {
        for (const instance of instances) services.clients.setActiveProject(client.id, instance, name);
        services.activity.record({
          at: services.clock.now(),
          clientId: client.id,
          project: name,
          sessionId: null,
          tool: 'select_project_for_session',
          ok: true,
          summary: name === null ? 'cleared the project from the desktop app' : `selected project ${name} from the desktop app`,
        });
      })
      .immediate();
    this.notify('client-project');
    return { client, project: name, instances };
  }

  /**
   * Ends every open work session of the client now and writes their handovers (like end_session),
   * and says what it wrote: per project, what the handover holds and which one the next session
   * reads (a handover without work does not hide the model's own from minutes before).
   */
  async endSessions(clientIdOrName: string): Promise<{ handovers: Handover[]; message: string }> {
    const { services } = this;
    const client = services.clients.find(clientIdOrName);
    const open = services.sessions.allOpen().filter((session) => session.clientId === client.id);
    const now = services.clock.now();
    const handovers: Handover[] = [];
    for (const session of open) handovers.push(await services.workSessions.finalize(services.memory, session, now, ENDED_BY_USER, {}));
    if (handovers.length > 0) this.notify('handovers');
    if (handovers.length === 0) return { handovers, message: `${client.name} had no open work session; nothing was written.` };
    const lines: string[] = [];
    for (const handover of handovers) {
      const read = await handoverForReader(services.memory, handover.project);
      const next =
        read?.handover.id === handover.id
          ? 'The next session on it reads this handover.'
          : recordsWork(handover.content) || !read || !recordsWork(read.handover.content)
            ? ''
            : `The next session on it still reads ${read.handover.clientName}'s handover ${endedText(read.handover)} (${workDigest(read.handover.content)}).`;
      lines.push(`Ended ${client.name}'s session on ${handover.project} and wrote its handover: ${workDigest(handover.content)}. ${next}`.trim());
    }
    return { handovers, message: lines.join('\n') };
  }
}
