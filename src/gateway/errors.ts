/**
 * An error meant for the person or model on the other side: it names the problem and how to fix it.
 * Tools turn it into an `isError` tool result; the CLI prints it and exits non-zero.
 */
export class UserError extends Error {
  readonly code: string;
  readonly fix: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, fix?: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'UserError';
    this.code = code;
    this.fix = fix;
    this.details = details;
  }

  /** "problem. Fix: remedy" in one line, as shown to users and models. */
  describe(): string {
    return this.fix ? `${this.message} Fix: ${this.fix}` : this.message;
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The caller's credentials turned out to be withdrawn partway through a request (hosted: a token
 * revoked since it was last confirmed, see hosted/caller-confirmation.ts). Nothing of the call is
 * kept or recorded; the request is answered as unauthenticated, never as a tool error.
 */
export class CallerRefused extends Error {
  constructor() {
    super('The caller is no longer authorized');
    this.name = 'CallerRefused';
  }
}
