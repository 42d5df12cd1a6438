/**
 * The on-disk form of `dementia export`: plain Markdown files with a front matter a person can read
 * and keep in git, and that `import dementia-export` reads back exactly. Everything here is
 * deterministic (names, field order, number and time formats), so exporting the same memory twice
 * gives byte-identical folders.
 */

import { sha256Hex } from '../secrets.ts';

export const EXPORT_FORMAT = 'dementia-export';
export const EXPORT_FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';

/** One project as the manifest lists it. */
export interface ManifestProject {
  name: string;
  description: string;
  /** The project's folder under the export folder. */
  folder: string;
  contexts: number;
  versions: number;
  archived: number;
  handovers: number;
  notes: number;
}

export interface Manifest {
  format: typeof EXPORT_FORMAT;
  formatVersion: number;
  projects: ManifestProject[];
}

// Characters kept as they are in file names: lower-case ASCII letters, digits, "-", "_" and "."
// (not leading). Everything else, upper case included (case-insensitive file systems), is %XX of
// its UTF-8 bytes, so the mapping is reversible and no two labels share a file name.
const KEPT = /[a-z0-9_-]/;

/** A label or project name as one safe file-name segment ("deploy/rules" → "deploy%2Frules"). */
export function toFileName(name: string): string {
  let out = '';
  for (const char of name) {
    if (KEPT.test(char) || (char === '.' && out !== '')) out += char;
    else for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  // "CON", "nul.txt" and the like are device names on Windows: encode their first letter.
  if (/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/.test(out)) out = `%${out.charCodeAt(0).toString(16).toUpperCase()}${out.slice(1)}`;
  if (out.length <= MAX_SEGMENT) return out;
  // File systems stop at 255 bytes: a very long name keeps a readable start and a hash of the
  // whole (never produced otherwise: "~" is always encoded). The file's front matter has the name.
  const start = out.slice(0, MAX_SEGMENT - 14).replace(/%[0-9A-F]?$/, '');
  return `${start}~${sha256Hex(name).slice(0, 12)}`;
}

const MAX_SEGMENT = 160;

/** The inverse of toFileName (for names short enough to be kept whole). */
export function fromFileName(segment: string): string {
  return decodeURIComponent(segment);
}

/** "v0003.md": zero-padded so a listing sorts by version. */
export const versionFileName = (version: number): string => `v${String(version).padStart(4, '0')}.md`;

const iso = (ms: number): string => new Date(ms).toISOString();

export type FrontValue = string | number | boolean | null | string[] | Record<string, unknown>;

/**
 * A Markdown file: front matter lines `key: JSON value` (JSON strings, arrays and objects are
 * valid YAML too), then the body exactly as stored (no newline added or taken away).
 */
export function markdownFile(fields: [string, FrontValue][], body: string): string {
  const lines = fields.map(([key, value]) => `${key}: ${JSON.stringify(value)}`);
  return `---\n${lines.join('\n')}\n---\n${body}`;
}

export const timeField = (ms: number): string => iso(ms);

/** Front matter fields and body of a file written by markdownFile; an Error naming the problem otherwise. */
export function parseMarkdownFile(text: string): { fields: Map<string, unknown>; body: string } | Error {
  if (!text.startsWith('---\n')) return new Error('the file does not start with "---"');
  const end = text.indexOf('\n---\n', 3);
  if (end < 0) return new Error('no "---" line ends it');
  const fields = new Map<string, unknown>();
  for (const line of text.slice(4, end).split('\n')) {
    const colon = line.indexOf(': ');
    if (colon < 0) return new Error(`a line is not "key: value" (${line.slice(0, 60)})`);
    try {
      fields.set(line.slice(0, colon), JSON.parse(line.slice(colon + 2)) as unknown);
    } catch {
      return new Error(`"${line.slice(0, colon)}" is not JSON (${line.slice(colon + 2, colon + 62)}): write text in "double quotes"`);
    }
  }
  return { fields, body: text.slice(end + 5) };
}
