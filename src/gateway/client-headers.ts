/**
 * Request headers a client's config or the stdio bridge may set. A tiny module of its own so that
 * the bridge can use the names without loading the HTTP server.
 */
export const CLIENT_HEADER_NAMES = {
  /** Which window or repository of the client is calling (the bridge sends its working directory). */
  instance: 'X-Dementia-Instance',
  /** A project pinned by the client's config, overriding the client's stored pin. */
  project: 'X-Dementia-Project',
} as const;
