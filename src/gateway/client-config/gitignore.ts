import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { UserError } from '../errors.ts';
import { linkedTarget } from './link-target.ts';

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
  /** Where adding the entry really writes when .gitignore is a symbolic link (writing needs it confirmed); else null. */
  realPath: string | null;
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
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim());
  return lines.includes(entry) || lines.includes(entry.slice(1));
}

export function planGitignore(file: string): GitignorePlan {
  const plan = planEntry(file);
  if (!plan.addsEntry || plan.root === null) return plan;
  const realPath = linkedTarget(join(plan.root, '.gitignore'), plan.root);
  return realPath
    ? {
        ...plan,
        realPath,
        note: `${gitignoreLinkWarning(plan.root, realPath)} Adding ${plan.entry} needs --confirm-target ${realPath} (or replace the link with a file of its own).`,
      }
    : plan;
}

const gitignoreLinkWarning = (root: string, realPath: string): string =>
  `${join(root, '.gitignore')} is a symbolic link to ${realPath}: adding to it would change that file, which may not belong to this repository.`;

/** Refuses, before anything is written, a .gitignore link nobody confirmed (or one that changed since the preview). */
export function assertGitignoreWritable(plan: GitignorePlan | null, confirmTarget: string | undefined): void {
  if (plan === null || plan.root === null || !plan.addsEntry) return;
  const realPath = linkedTarget(join(plan.root, '.gitignore'), plan.root);
  if (realPath !== plan.realPath) {
    throw new UserError(
      'CONFIG_CHANGED',
      `${join(plan.root, '.gitignore')} now leads somewhere else than when it was previewed; nothing was written.`,
      'Preview again, then write.',
    );
  }
  if (realPath !== null && confirmTarget !== realPath) {
    throw new UserError(
      'GITIGNORE_IS_LINK',
      `${gitignoreLinkWarning(plan.root, realPath)} Nothing was written.`,
      `Replace the link with a .gitignore of its own (rm ${join(plan.root, '.gitignore')}), then write again; or, if ${realPath} really is this repository's ignore file, add --confirm-target ${realPath}.`,
    );
  }
}

function planEntry(file: string): GitignorePlan {
  const root = gitRoot(dirname(file));
  const name = relative(root ?? dirname(file), file)
    .split(sep)
    .join('/');
  const entry = `/${name}`;
  if (!root) {
    return {
      file,
      state: 'no-git',
      root,
      entry,
      addsEntry: false,
      note: `${name} holds a token and is not in a git repository; keep it out of any repository you make here.`,
      realPath: null,
    };
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
      realPath: null,
    };
  }
  if (ignored) return { file, state: 'ignored', root, entry, addsEntry: false, note: `${name} is git-ignored, so its token stays out of git.`, realPath: null };
  return { file, state: 'add', root, entry, addsEntry: true, note: `Adds ${entry} to ${join(root, '.gitignore')}: the file holds a token.`, realPath: null };
}

/** Adds the entry to the repository's .gitignore when the plan says so (through a link only when confirmed); true when it wrote. */
export function applyGitignore(plan: GitignorePlan, confirmTarget?: string): boolean {
  if (plan.root === null || !plan.addsEntry) return false;
  assertGitignoreWritable(plan, confirmTarget);
  const path = plan.realPath ?? join(plan.root, '.gitignore');
  const before = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const separator = before === '' || before.endsWith('\n') ? '' : '\n';
  appendFileSync(path, `${separator}# Dementia Companion: holds a client token\n${plan.entry}\n`);
  return true;
}
