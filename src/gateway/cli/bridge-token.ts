import { lstatSync, readFileSync } from 'node:fs';
import { UserError } from '../errors.ts';

const TOKEN_SHAPE = /^dct_[A-Za-z0-9_-]{43}$/;

/** Why `--token` is kept but not shown anywhere: a command line is public on this machine. */
export const TOKEN_FLAG_WARNING =
  '--token puts the token on the command line, where every local user can read it (ps, /proc) for as long as the bridge runs. ' +
  'Use --client NAME (no token at all), or the token from the environment (DEMENTIA_TOKEN) or a private file (--token-file FILE) instead.';

/** A token file must be a private regular file holding one client token. */
export function readTokenFile(path: string): string {
  let stat;
  try {
    stat = lstatSync(path);
  } catch (error) {
    throw new UserError(
      'TOKEN_FILE_MISSING',
      `Cannot read the token file ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`,
      'Pass the path of a file holding the token that `dementia clients add` printed.',
    );
  }
  if (!stat.isFile()) throw new UserError('TOKEN_FILE_INVALID', `${path} is not a regular file.`, 'Pass the path of a plain file holding the token.');
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    throw new UserError('TOKEN_FILE_READABLE', `${path} has mode ${(stat.mode & 0o777).toString(8)}: other users can read the token.`, `chmod 600 ${path}`);
  }
  const token = readFileSync(path, 'utf8').trim();
  if (!TOKEN_SHAPE.test(token))
    throw new UserError(
      'TOKEN_FILE_INVALID',
      `${path} does not hold a client token (dct_...).`,
      'Put the token that `dementia clients add` printed in it, alone.',
    );
  return token;
}

/**
 * The client token the bridge uses, if any: --token-file or --token (explicit flags), else
 * DEMENTIA_TOKEN unless --client names the client (an explicit flag wins over the environment).
 */
export function bridgeToken(
  flags: { token?: string | undefined; tokenFile?: string | undefined; client?: string | undefined },
  env: NodeJS.ProcessEnv,
  warn: (line: string) => void,
): string | undefined {
  if (flags.tokenFile) return readTokenFile(flags.tokenFile);
  if (flags.token) {
    warn(TOKEN_FLAG_WARNING);
    return flags.token;
  }
  return flags.client ? undefined : env.DEMENTIA_TOKEN?.trim() || undefined;
}
