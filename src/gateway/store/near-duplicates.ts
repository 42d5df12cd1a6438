/**
 * Near-duplicate contexts: the model writing the same fact under a new name. The measure is the
 * Jaccard similarity of the texts' sets of word 3-shingles (case-folded words, punctuation
 * ignored). Finding candidates must stay cheap at 100k contexts, so each latest version also gets a
 * MinHash signature (60 hash functions) cut into 12 bands of 5: two texts share a band with
 * probability 1 - (1 - s^5)^12 (99% at s = 0.8, 3% at s = 0.3). Stores index the bands; a lock
 * looks up the labels sharing one and confirms each with the exact Jaccard of the two texts.
 */
import { setNewest } from '../bounded-map.ts';

/** Reported from this exact similarity up (0.8: four in five shingles shared). */
export const NEAR_DUPLICATE_THRESHOLD = 0.8;

const SHINGLE_WORDS = 3;
const BANDS = 12;
const ROWS = 5;
const HASHES = BANDS * ROWS;
/** Band values are band * 2^32 + hash: distinct across bands, exact in a double and a Postgres bigint. */
const BAND_SPAN = 2 ** 32;

/** 32-bit FNV-1a of a string's UTF-16 units. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** murmur3's finalizer: spreads a 32-bit value so each seed acts as an independent hash function. */
function mix(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const SEEDS = Array.from({ length: HASHES }, (_, i) => mix(0x9e3779b9 ^ Math.imul(i + 1, 0x27d4eb2d)));

/** The text's word 3-shingles (a text of fewer words is one shingle of all of them). */
export function shingles(text: string): Set<string> {
  const words = wordsOf(text);
  const set = new Set<string>();
  if (words.length < SHINGLE_WORDS) {
    if (words.length > 0) set.add(words.join(' '));
    return set;
  }
  for (let i = 0; i + SHINGLE_WORDS <= words.length; i++) set.add(words.slice(i, i + SHINGLE_WORDS).join(' '));
  return set;
}

/** |A ∩ B| / |A ∪ B|; 0 for two empty sets (no words: nothing to be a duplicate of). */
export function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const item of small) if (large.has(item)) shared += 1;
  return shared / (a.size + b.size - shared);
}

const wordsOf = (text: string): string[] =>
  text
    .normalize('NFKC')
    .toLowerCase()
    .match(/[\p{L}\p{N}]+/gu) ?? [];

/**
 * One 32-bit hash per distinct shingle, from the words' hashes (no shingle strings are built: this
 * runs on every write). Order-sensitive: "a b c" and "c b a" differ.
 */
function shingleHashes(text: string): Uint32Array {
  const words = wordsOf(text);
  if (words.length === 0) return new Uint32Array(0);
  const hashes = words.map(fnv1a);
  const set = new Set<number>();
  if (hashes.length < SHINGLE_WORDS) {
    let h = 0;
    for (const w of hashes) h = mix(h ^ w);
    set.add(h);
  } else {
    for (let i = 0; i + SHINGLE_WORDS <= hashes.length; i++) set.add(mix(mix(mix(hashes[i]!) ^ hashes[i + 1]!) ^ hashes[i + 2]!));
  }
  return Uint32Array.from(set);
}

/**
 * The bands of the texts asked about last: a lock asks up to three times for its text (the hosted
 * read ahead, the lookup, the index), with other calls' locks in between when several run at once,
 * so one remembered text was not enough. Oldest forgotten first.
 */
const recentlyAsked = new Map<string, readonly number[]>();
const RECENT_TEXTS = 16;

/** The LSH band values of a text (empty for a text without words). */
export function bandsOf(text: string): readonly number[] {
  const known = recentlyAsked.get(text);
  if (known) return known;
  const bands = computeBands(text);
  setNewest(recentlyAsked, text, bands, RECENT_TEXTS);
  return bands;
}

function computeBands(text: string): number[] {
  const set = shingleHashes(text);
  if (set.length === 0) return [];
  const minima = new Uint32Array(HASHES).fill(0xffffffff);
  for (let i = 0; i < HASHES; i++) {
    const seed = SEEDS[i]!;
    let min = 0xffffffff;
    for (let j = 0; j < set.length; j++) {
      const h = mix(set[j]! ^ seed);
      if (h < min) min = h;
    }
    minima[i] = min;
  }
  const bands: number[] = [];
  for (let band = 0; band < BANDS; band++) {
    let h = 0x811c9dc5 ^ band;
    for (let row = 0; row < ROWS; row++) h = mix(Math.imul(h ^ minima[band * ROWS + row]!, 0x01000193));
    bands.push(band * BAND_SPAN + h);
  }
  return bands;
}

export interface SimilarContext {
  label: string;
  version: number;
  /** Exact Jaccard similarity of the shingle sets, 0..1. */
  similarity: number;
}

/** The candidates at or above the threshold, most similar first (then by label). */
export function confirmSimilar(content: string, candidates: readonly { label: string; version: number; content: string }[]): SimilarContext[] {
  const mine = shingles(content);
  return candidates
    .map((c) => ({ label: c.label, version: c.version, similarity: jaccard(mine, shingles(c.content)) }))
    .filter((c) => c.similarity >= NEAR_DUPLICATE_THRESHOLD)
    .sort((a, b) => b.similarity - a.similarity || (a.label < b.label ? -1 : 1));
}

export interface NearDuplicatePair {
  a: SimilarContext;
  b: SimilarContext;
  similarity: number;
}

/** Confirms candidate label pairs against the latest versions; the most similar first. */
export function confirmPairs(
  pairs: readonly [string, string][],
  latest: ReadonlyMap<string, { label: string; version: number; content: string }>,
): NearDuplicatePair[] {
  const cache = new Map<string, Set<string>>();
  const shinglesOf = (label: string) => {
    let set = cache.get(label);
    if (!set) cache.set(label, (set = shingles(latest.get(label)!.content)));
    return set;
  };
  const found: NearDuplicatePair[] = [];
  for (const [x, y] of pairs) {
    const [a, b] = x < y ? [x, y] : [y, x];
    const left = latest.get(a);
    const right = latest.get(b);
    if (!left || !right) continue;
    const similarity = jaccard(shinglesOf(a), shinglesOf(b));
    if (similarity < NEAR_DUPLICATE_THRESHOLD) continue;
    found.push({ a: { label: a, version: left.version, similarity }, b: { label: b, version: right.version, similarity }, similarity });
  }
  return found.sort((p, q) => q.similarity - p.similarity || (p.a.label < q.a.label ? -1 : p.a.label > q.a.label ? 1 : p.b.label < q.b.label ? -1 : 1));
}

/** "94%": floored, so 0.999 never reads as 100%. */
export const percent = (similarity: number): string => `${Math.floor(similarity * 100)}%`;
