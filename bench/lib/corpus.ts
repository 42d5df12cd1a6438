/**
 * A deterministic, realistic-looking corpus of contexts: words drawn from a few thousand-word
 * vocabulary with a Zipf-like distribution (so a few words are in almost every context, most are
 * rare), labels like "area/topic-123", tags and priorities. Same seed, same corpus.
 */

/** mulberry32: tiny, fast and good enough for benchmark data. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Samples ranks 0..n-1 with weight 1/(rank+q)^s (Zipf-Mandelbrot). */
export function zipfSampler(n: number, random: () => number, s = 1.0, q = 2.7): () => number {
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) {
    total += 1 / Math.pow(k + q, s);
    cumulative[k] = total;
  }
  return () => {
    const target = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

// Function words lead the ranking, as in real text; search drops them as stopwords.
const FUNCTION_WORDS = 'the of and to a in is that for it with as on be this are by we from or at not'.split(' ');

const TECH_WORDS = (
  'deploy database retry token cache session project client server request response error timeout config ' +
  'migration schema index query latency memory handover context version priority label search result user ' +
  'account billing invoice payment queue worker thread process service endpoint gateway proxy network socket ' +
  'header cookie login logout password secret key certificate domain release build pipeline test coverage ' +
  'review merge branch commit rollback backup restore snapshot storage bucket upload download stream buffer ' +
  'parser compiler runtime module package dependency upgrade patch security audit permission role policy ' +
  'metric alert dashboard incident outage postmortem customer support ticket feature roadmap sprint estimate ' +
  'design layout component render style theme mobile desktop browser window tray menu shortcut keyboard mouse ' +
  'report export import format encoding unicode locale translation timezone calendar schedule reminder ' +
  'notification email message channel webhook callback event listener handler scheduler cron batch job'
).split(' ');

const ONSETS = [
  'b',
  'br',
  'c',
  'ch',
  'cl',
  'd',
  'dr',
  'f',
  'fl',
  'g',
  'gr',
  'h',
  'j',
  'k',
  'l',
  'm',
  'n',
  'p',
  'pl',
  'pr',
  'qu',
  'r',
  's',
  'sh',
  'sl',
  'st',
  't',
  'th',
  'tr',
  'v',
  'w',
  'z',
];
const NUCLEI = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'ou', 'io', 'y'];
const CODAS = ['', '', 'n', 'r', 'l', 's', 't', 'x', 'nd', 'rk', 'mp', 'st'];

export const AREAS = (
  'api auth billing deploy design docs frontend backend infra mobile search sync storage ui ux ops security data ' +
  'ml growth support legal marketing release qa perf'
).split(' ');

export interface Vocabulary {
  /** Words by Zipf rank (0 = most frequent). */
  words: string[];
  functionWords: Set<string>;
}

export function buildVocabulary(size: number, seed: number): Vocabulary {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const synthetic = new Set<string>();
  const taken = new Set([...FUNCTION_WORDS, ...TECH_WORDS]);
  while (synthetic.size < size - FUNCTION_WORDS.length - TECH_WORDS.length) {
    const syllables = 2 + Math.floor(random() * 2);
    let word = '';
    for (let i = 0; i < syllables; i++) word += pick(ONSETS) + pick(NUCLEI) + (i === syllables - 1 ? pick(CODAS) : '');
    if (!taken.has(word)) {
      taken.add(word);
      synthetic.add(word);
    }
  }
  // Function words first, technical words spread over the common-to-mid ranks, the rest after.
  const words = [...FUNCTION_WORDS];
  const rest = [...synthetic];
  TECH_WORDS.forEach((word, i) => {
    words.push(word);
    if (i % 2 === 1) words.push(rest.shift()!);
  });
  words.push(...rest);
  return { words, functionWords: new Set(FUNCTION_WORDS) };
}

const TAIL_SHARE = 0.02;
const TAIL_SIZE = 50_000;

/** The i-th word of the long tail, the same for every seed. */
function tailWord(i: number): string {
  const random = prng(1_000_003 + i);
  let word = '';
  for (let s = 0; s < 3; s++) word += ONSETS[Math.floor(random() * ONSETS.length)]! + NUCLEI[Math.floor(random() * NUCLEI.length)]!;
  return `${word}${CODAS[Math.floor(random() * CODAS.length)]!}${i.toString(36)}`;
}

export interface CorpusContext {
  topic: string;
  content: string;
  priority: 'always_check' | 'important' | 'reference';
  tags: string[];
}

export interface Corpus {
  vocabulary: Vocabulary;
  tags: string[];
  /** Yields the i-th context; deterministic in (seed, i) order when called with increasing i. */
  next(): CorpusContext;
  /** Document frequency of each vocabulary word over the contexts generated so far. */
  documentFrequency: Map<string, number>;
  /** Document frequency of each tag. */
  tagFrequency: Map<string, number>;
  generated: number;
}

/** `firstIndex` numbers the labels, so a second corpus can add new labels next to a seeded one. */
export function createCorpus(seed = 42, options: { vocabularySize?: number; firstIndex?: number } = {}): Corpus {
  const { vocabularySize = 4000, firstIndex = 0 } = options;
  // The vocabulary stays the same for every seed: only the texts differ.
  const vocabulary = buildVocabulary(vocabularySize, 42);
  const random = prng(seed + 1);
  const word = zipfSampler(vocabulary.words.length, random, 1.0, 2.7);
  const area = zipfSampler(AREAS.length, random, 1.0, 1.5);
  const tags = [...AREAS, ...vocabulary.words.slice(FUNCTION_WORDS.length, FUNCTION_WORDS.length + 200).map((w, i) => (i % 3 === 0 ? `t-${w}` : w))];
  const tagRank = zipfSampler(tags.length, random, 1.1, 1.5);
  const documentFrequency = new Map<string, number>();
  const tagFrequency = new Map<string, number>();
  const corpus: Corpus = {
    vocabulary,
    tags,
    documentFrequency,
    tagFrequency,
    generated: 0,
    next() {
      const index = firstIndex + corpus.generated++;
      // 20 to ~400 words, most around 60-120.
      const length = 20 + Math.floor(Math.pow(random(), 2) * 380);
      const sentences: string[] = [];
      const seen = new Set<string>();
      let sentence: string[] = [];
      for (let i = 0; i < length; i++) {
        // A few words come from a long tail (names, identifiers): each is in only a handful of contexts.
        const w = random() < TAIL_SHARE ? tailWord(Math.floor(random() * TAIL_SIZE)) : vocabulary.words[word()]!;
        seen.add(w);
        sentence.push(w);
        if (sentence.length >= 6 && (random() < 0.12 || i === length - 1)) {
          sentences.push(`${sentence[0]![0]!.toUpperCase()}${sentence.join(' ').slice(1)}.`);
          sentence = [];
        }
      }
      if (sentence.length > 0) sentences.push(`${sentence[0]![0]!.toUpperCase()}${sentence.join(' ').slice(1)}.`);
      for (const w of seen) documentFrequency.set(w, (documentFrequency.get(w) ?? 0) + 1);
      const topicWord = vocabulary.words[FUNCTION_WORDS.length + (word() % 600)]!;
      const tagCount = Math.floor(random() * 4);
      const chosen = new Set<string>();
      for (let i = 0; i < tagCount; i++) chosen.add(tags[tagRank()]!);
      for (const tag of chosen) tagFrequency.set(tag, (tagFrequency.get(tag) ?? 0) + 1);
      const roll = random();
      return {
        topic: `${AREAS[area()]}/${topicWord}-${index}`,
        content: sentences.join(' '),
        priority: roll < 0.03 ? 'always_check' : roll < 0.2 ? 'important' : 'reference',
        tags: [...chosen],
      };
    },
  };
  return corpus;
}
