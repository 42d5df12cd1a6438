import { errors } from 'oidc-provider';
import { isUserError } from '../../errors.ts';
import { isUnreachable, storeUnreachable } from '../pg-transaction.ts';

/**
 * What an OAuth endpoint answers while Postgres, where all OAuth state lives, cannot be reached:
 * 503 `temporarily_unavailable` with the same words a tool call gets (on the authorization
 * endpoint the client is sent this error, as RFC 6749 defines it).
 */
export function storeUnavailableError(cause: unknown): errors.OIDCProviderError {
  const error = new errors.OIDCProviderError(503, 'temporarily_unavailable', { cause });
  error.error_description = storeUnreachableText();
  // Shown as it is (oidc-provider hides the details of 5xx errors unless told otherwise).
  error.expose = true;
  return error;
}

/** "The memory store (Postgres) cannot be reached right now; nothing was saved. Try again ..." */
export function storeUnreachableText(): string {
  const reason = storeUnreachable();
  return `${reason.message} ${reason.fix ?? ''}`.trim();
}

/** Postgres could not be reached, in any of the shapes that reports it here. */
export function isStoreDown(error: unknown): boolean {
  if (error instanceof errors.OIDCProviderError) return error.error === 'temporarily_unavailable';
  if (isUserError(error)) return error.code === 'STORE_UNREACHABLE';
  return isUnreachable(error);
}
