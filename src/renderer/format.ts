/** Text for times and durations, in the user's locale. */

export const KIND_LABELS: Record<string, string> = {
  'claude-desktop': 'Claude Desktop',
  'claude-code': 'Claude Code',
  cursor: 'Cursor',
  vscode: 'VS Code',
  other: 'Other MCP client',
};

export const kindLabel = (kind: string): string => KIND_LABELS[kind] ?? kind;

/** "37 min", "1 h 53 min", "less than a minute" */
export function duration(minutes: number): string {
  if (minutes < 1) return 'less than a minute';
  const whole = Math.round(minutes);
  if (whole < 60) return `${whole} min`;
  const rest = whole % 60;
  return rest === 0 ? `${Math.floor(whole / 60)} h` : `${Math.floor(whole / 60)} h ${rest} min`;
}

/** "just now", "4 min ago", "2 h ago", "yesterday", "3 Jan" */
export function ago(iso: string | null, now: number): string {
  if (!iso) return 'never';
  const minutes = Math.floor((now - Date.parse(iso)) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  if (hours < 48) return 'yesterday';
  return new Date(iso).toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
}

/** "14:05" today, else "3 Jan, 14:05" */
export function clockTime(iso: string, now: number = Date.now()): string {
  const date = new Date(iso);
  const time = date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return new Date(now).toDateString() === date.toDateString() ? time : `${date.toLocaleDateString(undefined, { day: 'numeric', month: 'short' })}, ${time}`;
}

export const plural = (count: number, one: string, many = `${one}s`): string => `${count} ${count === 1 ? one : many}`;

export const END_REASONS: Record<string, string> = {
  idle: 'after the idle timeout',
  ended: 'ended by the model',
  ended_by_user: 'ended from the app',
  project_deleted: 'project deleted',
};
