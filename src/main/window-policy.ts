/** The status window may only show pages of its own gateway. */
export function isAllowedNavigation(url: string, allowedOrigin: string): boolean {
  try {
    return new URL(url).origin === allowedOrigin;
  } catch {
    return false;
  }
}

/** Links the page may hand to the user's browser: https only (no file:, no custom schemes). */
export function isExternalLink(url: string): boolean {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}
