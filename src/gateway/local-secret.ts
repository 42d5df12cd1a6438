import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from './errors.ts';
import { newToken } from './secrets.ts';

/**
 * A secret in the data folder (mode 0600) that proves a process runs as the local user. It never
 * travels: the stdio bridge and the CLI prove they know it by answering a challenge from the
 * gateway (local-proof.ts), and check that the gateway knows it too before sending anything.
 */
export const LOCAL_SECRET_FILE = 'local-secret';

/** What newToken('dcl') makes: 32 random bytes. */
const SECRET_SHAPE = /^dcl_[A-Za-z0-9_-]{43}$/;

type Inspection = { secret: string } | { problem: string } | { missing: true };

/** Why the file must not be used as is, or its secret. */
function inspect(path: string): Inspection {
  let stat;
  try {
    stat = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { missing: true };
    throw error;
  }
  if (!stat.isFile()) return { problem: 'is not a regular file (a link or a folder)' };
  if (process.platform !== 'win32') {
    // Another user who could read it may know it: a secret is only as private as its file.
    if ((stat.mode & 0o077) !== 0) return { problem: `had mode ${(stat.mode & 0o777).toString(8)}, readable by other users` };
    if (process.getuid && stat.uid !== process.getuid()) return { problem: 'belongs to another user' };
  }
  const text = readFileSync(path, 'utf8').trim();
  return SECRET_SHAPE.test(text) ? { secret: text } : { problem: 'held text that is not a valid secret (wrong length or form)' };
}

/** A private temp file holding a fresh secret, next to the real one. */
function writeTemp(path: string): string {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, `${newToken('dcl')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(temp, 0o600); // the mode of a new file is filtered by the umask
  return temp;
}

/**
 * The data folder's secret. Created (0600) when missing; replaced by a fresh one when the file is
 * not a private regular file holding a well-formed secret (`onReplace` says why). Readers call it
 * each time they need the secret, so a replacement by any process is seen by all of them.
 */
export function readOrCreateLocalSecret(dataDir: string, onReplace?: (reason: string) => void): string {
  const path = join(dataDir, LOCAL_SECRET_FILE);
  const found = inspect(path);
  if ('secret' in found) return found.secret;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const temp = writeTemp(path);
  try {
    if ('missing' in found) {
      // link() fails if another process created it meanwhile; then its secret is the one to use.
      try {
        linkSync(temp, path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    } else {
      renameSync(temp, path); // replaces a link itself, never what it points to
      onReplace?.(`The local-secret file in ${dataDir} ${found.problem}; replaced it with a new secret (mode 0600).`);
    }
  } catch (error) {
    throw new UserError(
      'LOCAL_SECRET_UNUSABLE',
      `Could not write ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`,
      `Remove ${path} (or make the data folder writable by you); a new secret is created at the next start.`,
    );
  } finally {
    rmSync(temp, { force: true });
  }
  const settled = inspect(path);
  if ('secret' in settled) return settled.secret;
  throw new UserError(
    'LOCAL_SECRET_UNUSABLE',
    `${path} ${'problem' in settled ? settled.problem : 'is missing'}.`,
    `Remove ${path}; a new secret is created at the next start.`,
  );
}
