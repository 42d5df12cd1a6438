/** Edit distance with adjacent swaps (Damerau, optimal string alignment), case-insensitive. */
function distance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const rows: number[][] = Array.from({ length: s.length + 1 }, (_, i) => [i, ...Array<number>(t.length).fill(0)]);
  for (let j = 1; j <= t.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[s.length]![t.length]!;
}

/**
 * The names a mistyped one most likely meant: a few edits away (more for longer names), or one
 * that starts with what was typed. Closest first; empty when nothing is close.
 */
export function similarNames(input: string, names: readonly string[], max = 3): string[] {
  const wanted = input.trim().toLowerCase();
  if (wanted === '') return [];
  const allowed = Math.max(1, Math.floor(wanted.length / 4));
  return names
    .map((name) => {
      const lower = name.toLowerCase();
      const truncated = wanted.length >= 3 && lower.startsWith(wanted);
      return { name, score: truncated ? Math.min(1, distance(wanted, lower)) : distance(wanted, lower) };
    })
    .filter(({ name, score }) => score <= allowed && name.toLowerCase() !== wanted)
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, max)
    .map(({ name }) => name);
}

/** `Did you mean "a" or "b"? ` (with the trailing space), or '' when nothing is close. */
export function didYouMean(input: string, names: readonly string[]): string {
  const similar = similarNames(input, names);
  if (similar.length === 0) return '';
  const quoted = similar.map((name) => `"${name}"`);
  return `Did you mean ${quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`}? `;
}
