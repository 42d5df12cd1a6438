import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DATABASE_FILE } from '../../src/gateway/store/database.ts';
import { openStack, seed, type Stack } from './fixture.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CorpusStats {
  count: number;
  documentFrequency: Record<string, number>;
  tagFrequency: Record<string, number>;
  functionWords: string[];
  seedSeconds: number;
}

/** Changes to the store or the corpus make a new template; anything else reuses the cached one. */
function templateKey(count: number): string {
  const hash = createHash('sha256');
  // What decides the seeded rows and index; search code and pragmas do not.
  const files = [
    'src/gateway/store/migrations.ts',
    'src/gateway/store/contexts.ts',
    'src/gateway/store/near-duplicates.ts',
    'bench/lib/corpus.ts',
    'bench/lib/fixture.ts',
  ];
  for (const file of files) hash.update(file).update(readFileSync(join(ROOT, file)));
  return `${count}-${hash.digest('hex').slice(0, 12)}`;
}

/**
 * A seeded database of `count` contexts, built once through the real tools and cached in the temp
 * folder (seeding 100k contexts takes a while). Benchmarks work on copies of it.
 */
export async function ensureTemplate(count: number): Promise<{ dir: string; stats: CorpusStats }> {
  const dir = join(tmpdir(), `dementia-bench-template-${templateKey(count)}`);
  const statsFile = join(dir, 'corpus.json');
  if (!existsSync(statsFile)) {
    process.stderr.write(`Seeding ${count} contexts through batch_lock_contexts (cached in ${dir})...\n`);
    const building = mkdtempSync(join(tmpdir(), 'dementia-bench-building-'));
    const stack = await openStack(building);
    const started = performance.now();
    const corpus = await seed(stack, count);
    const seedSeconds = (performance.now() - started) / 1000;
    stack.services.db.pragma('wal_checkpoint(TRUNCATE)');
    stack.close();
    const stats: CorpusStats = {
      count,
      documentFrequency: Object.fromEntries(corpus.documentFrequency),
      tagFrequency: Object.fromEntries(corpus.tagFrequency),
      functionWords: [...corpus.vocabulary.functionWords],
      seedSeconds,
    };
    writeFileSync(join(building, 'corpus.json'), JSON.stringify(stats));
    rmSync(dir, { recursive: true, force: true });
    renameSync(building, dir);
    process.stderr.write(`Seeded in ${seedSeconds.toFixed(1)} s.\n`);
  }
  return { dir, stats: JSON.parse(readFileSync(statsFile, 'utf8')) as CorpusStats };
}

/** A private copy of the template database, opened as the real in-process stack. */
export function openCopy(templateDir: string): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'dementia-bench-'));
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(templateDir, DATABASE_FILE), join(dir, DATABASE_FILE));
  return openStack(dir);
}
