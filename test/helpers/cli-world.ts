import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock } from '../../src/gateway/clock.ts';
import { Gateway } from '../../src/gateway/gateway.ts';
import { silentLogger } from '../../src/gateway/logger.ts';
import { resolveSettings } from '../../src/gateway/settings.ts';
import { tempDir } from './gateway-harness.ts';

/**
 * What a CLI test runs the real `dementia` processes against: a home folder of its own (the
 * config writers edit files there), a data folder, the environment that points the CLI at both,
 * and a gateway serving that data folder in this process (to check tokens and tool calls).
 */
export interface CliWorld {
  root: string;
  home: string;
  dataDir: string;
  /** HOME, an empty XDG_CONFIG_HOME, DEMENTIA_DATA_DIR and DEMENTIA_PORT (the port configs name). */
  env: Record<string, string>;
  gateway: Gateway;
  close(): Promise<void>;
}

export async function startCliWorld(configPort: number): Promise<CliWorld> {
  const root = tempDir();
  const home = join(root, 'home');
  const dataDir = join(root, 'data');
  mkdirSync(home);
  const gateway = await Gateway.start({
    settings: { ...resolveSettings({}, {}), port: 0, dataDir },
    clock: new ManualClock(),
    logger: silentLogger,
    writeRuntimeFile: false,
  });
  return {
    root,
    home,
    dataDir,
    env: { HOME: home, XDG_CONFIG_HOME: '', DEMENTIA_DATA_DIR: dataDir, DEMENTIA_PORT: String(configPort) },
    gateway,
    async close() {
      await gateway.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
