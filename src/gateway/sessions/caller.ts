import type { ClientRecord } from '../store/clients.ts';

/**
 * How a call relates to projects: `required` ones act on one project (resolved per invariant 1),
 * `optional` ones use it when there is one, `none` (create/delete) never resolve one.
 */
export type ProjectMode = 'required' | 'optional' | 'none';

/** Who is calling: established by the transport, never by the tool arguments. */
export interface Caller {
  client: ClientRecord;
  /** Which running instance of the client (a window, a repository); '' when it does not say. */
  instanceKey: string;
  /** A project pinned by the client's own config (request header), overriding the stored pin. */
  pinnedProject?: string | undefined;
  /** The tenant (schema) of a hosted caller; undefined locally, where there is one store. */
  tenant?: string | undefined;
}
