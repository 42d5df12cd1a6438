import { fileURLToPath } from 'node:url';

/** How a client launches the stdio bridge: a program and the arguments before `connect ...`. */
export interface BridgeLauncher {
  command: string;
  args: string[];
  /** Extra environment for the launched process (e.g. a non-default data folder). */
  env?: Record<string, string>;
}

export interface RuntimeFacts {
  /** Absolute path of the running binary: Node, or the packaged app under Electron. */
  execPath: string;
  /** `process.versions.electron` when running inside Electron. */
  electron: string | undefined;
  /** Absolute path of the CLI entry script, run by Node. */
  cliScript: string;
}

/** The CLI entry next to this module, in the same form (.ts source or compiled .js) as it runs now. */
export function currentRuntime(): RuntimeFacts {
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return {
    execPath: process.execPath,
    electron: process.versions.electron,
    cliScript: fileURLToPath(new URL(`../cli/main.${extension}`, import.meta.url)),
  };
}

/**
 * Absolute paths only: Claude Desktop starts servers without the user's shell PATH. Under Electron
 * the packaged app binary itself is the launcher (the desktop shell routes a `connect` argv to
 * the CLI); under Node it is this Node binary running the CLI script.
 */
export function resolveBridgeLauncher(runtime: RuntimeFacts = currentRuntime()): BridgeLauncher {
  if (runtime.electron) return { command: runtime.execPath, args: [] };
  return { command: runtime.execPath, args: [runtime.cliScript] };
}
