/**
 * What makes an API key acceptable, for the desktop's sync key and the hosted server's tenant keys
 * alike: long enough not to be guessed, printable, no spaces or quotes (paste accidents).
 */
export const API_KEY_MIN_LENGTH = 16;
export const API_KEY_MAX_LENGTH = 512;

/** What a strong key is, for error messages. */
export const STRONG_KEY_ADVICE = `${API_KEY_MIN_LENGTH} to ${API_KEY_MAX_LENGTH} printable characters without spaces or quotes, chosen at random (a password manager's generator, or one dementia makes)`;

/** Why `apiKey` is not acceptable, or undefined when it is. */
export function apiKeyProblem(apiKey: string): string | undefined {
  if (apiKey.length < API_KEY_MIN_LENGTH) return `it must be at least ${API_KEY_MIN_LENGTH} characters long; got ${apiKey.length}`;
  if (apiKey.length > API_KEY_MAX_LENGTH) return `it must be at most ${API_KEY_MAX_LENGTH} characters long; got ${apiKey.length}`;
  if (!/^[\x21-\x7e]+$/.test(apiKey) || /["'`]/.test(apiKey)) return 'it must be printable characters without spaces or quotes';
  return undefined;
}
