import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

/**
 * A config file that holds a token, inside a repository, must stay out of git. What that takes:
 * nothing (already ignored), a line in the repository's .gitignore, that line plus `git rm --cached`
 * (git tracks the file already, which .gitignore does not undo), or telling the user (no git here).
 */
export interface GitignorePlan {
  file: string;
  state: 'ignored' | 'add' | 'tracked' | 'no-git';
  /** The repository root, where .gitignore is; null without git. */
  root: string | null;
  /** The .gitignore line, e.g. "/.mcp.json". */
  entry: string;
  /** True when writing adds the entry to the root .gitignore. */
  addsEntry: boolean;
  /** One sentence for the user. */
  note: string;
}

function gitRoot(start: string): string | null {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return null;
  }
}

/** Runs git; its exit code, or undefined when git is not installed. */
function git(root: string, args: string[]): number | undefined {
  try {
    execFileSync('git', args, { cwd: root, stdio: 'ignore' });
    return 0;
  } catch (error) {
    const status = (error as { status?: number | null }).status;
    return typeof status === 'number' ? status : undefined;
  }
}

/** Without git installed: is the entry (or the file's name) a line of the root .gitignore? */
function listedInGitignore(root: string, entry: string): boolean {
  const path = join(root, '.gitignore');
  if (!existsSync(path)) return false;
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).map((line) => line.trim());
  return lines.includes(entry) || lines.includes(entry.slice(1));
}

export function planGitignore(file: string): GitignorePlan {
  const root = gitRoot(dirname(file));
  const name = relative(root ?? dirname(file), file).split(sep).join('/');
  const entry = `/${name}`;
  if (!root) {
    return { file, state: 'no-git', root, entry, addsEntry: false, note: `${name} holds a token and is not in a git repository; keep it out of any repository you make here.` };
  }
  const checked = git(root, ['check-ignore', '-q', '--no-index', '--', name]);
  const ignored = checked === undefined ? listedInGitignore(root, entry) : checked === 0;
  const tracked = git(root, ['ls-files', '--error-unmatch', '--', name]) === 0;
  if (tracked) {
    return {
      file,
      state: 'tracked',
      root,
      entry,
      addsEntry: !ignored,
      note: `git already tracks ${name}, and it will hold a token: run \`git rm --cached ${name}\` and commit${ignored ? '' : ` (this adds ${entry} to .gitignore)`}, or the token goes out with your next push.`,
    };
  }
  if (ignored) return { file, state: 'ignored', root, entry, addsEntry: false, note: `${name} is git-ignored, so its token stays out of git.` };
  return { file, state: 'add', root, entry, addsEntry: true, note: `Adds ${entry} to ${join(root, '.gitignore')}: the file holds a token.` };
}

/** Adds the entry to the repository's .gitignore when the plan says so; true when it wrote. */
export function applyGitignore(plan: GitignorePlan): boolean {
  if (plan.root === null || !plan.addsEntry) return false;
  const path = join(plan.root, '.gitignore');
  const before = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const separator = before === '' || before.endsWith('\n') ? '' : '\n';
  appendFileSync(path, `${separator}# Dementia Companion: holds a client token\n${plan.entry}\n`);
  return true;
}
