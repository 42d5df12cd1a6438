/** CLI output: JSON for scripts, readable text for people, colour only on a terminal. */
export interface Output {
  json(value: unknown): void;
  line(text?: string): void;
  error(text: string): void;
  /** A progress line on stderr: rewritten in place on a terminal; null ends it. */
  progress(text: string | null): void;
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  red(text: string): string;
}

export function createOutput(
  stdout: NodeJS.WriteStream = process.stdout,
  stderr: NodeJS.WriteStream = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): Output {
  const colour = Boolean(stdout.isTTY) && !env.NO_COLOR;
  let progressShown = false;
  const paint = (code: number) => (text: string) => (colour ? `\u001b[${code}m${text}\u001b[0m` : text);
  return {
    json: (value) => stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    line: (text = '') => stdout.write(`${text}\n`),
    error: (text) => stderr.write(`${text}\n`),
    progress: (text) => {
      if (!stderr.isTTY) {
        if (text !== null) stderr.write(`${text}\n`);
      } else if (text !== null) {
        stderr.write(`\r${text}\u001b[K`);
        progressShown = true;
      } else if (progressShown) {
        stderr.write('\n');
        progressShown = false;
      }
    },
    bold: paint(1),
    dim: paint(2),
    green: paint(32),
    red: paint(31),
  };
}

/**
 * `dementia status | head -3`: once the reader has gone, output has nowhere to go. Exit quietly
 * (like other command-line tools) instead of crashing with an unhandled EPIPE; other stream errors
 * are still errors.
 */
export function exitQuietlyWhenReaderCloses(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(process.exitCode ?? 0);
    });
  }
}
