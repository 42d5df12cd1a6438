import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/**
 * Where a write to `path` really lands when a symbolic link at or below `root` (the client's own
 * folder: the repository, the home folder, the app-data folder) redirects it; null when nothing
 * does. Links above `root` (a home on another disk, macOS's /tmp) are the user's layout, not a
 * redirect. A dangling link counts too: writing would create its target.
 */
export function linkedTarget(path: string, root: string): string | null {
  const rel = relative(root, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null;
  let real = realOrSelf(root);
  let redirected = false;
  for (const part of rel.split(sep)) {
    const next = join(real, part);
    let isLink = false;
    try {
      isLink = lstatSync(next).isSymbolicLink();
    } catch {
      // Missing: the rest of the path does not exist yet and has no links.
    }
    if (isLink) {
      redirected = true;
      real = realOrDangling(next);
    } else {
      real = next;
    }
  }
  return redirected ? real : null;
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** The end of a chain of links, or for a dangling one, the path it names. */
function realOrDangling(link: string): string {
  try {
    return realpathSync(link);
  } catch {
    const target = readlinkSync(link);
    return resolve(dirname(link), target);
  }
}
