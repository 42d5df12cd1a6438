import { resolveSettings, type Settings } from '../gateway/settings.ts';
import type { DesktopSettings } from './desktop-settings-store.ts';

/**
 * The gateway settings of the desktop app: DEMENTIA_* variables win (as for every command), then
 * what the user saved in the window, then the defaults. The data folder is the same as the CLI's.
 */
export function desktopGatewaySettings(env: NodeJS.ProcessEnv, stored: (dataDir: string) => DesktopSettings): Settings {
  const base = resolveSettings({}, env);
  const saved = stored(base.dataDir);
  return {
    ...base,
    port: env.DEMENTIA_PORT ? base.port : (saved.port ?? base.port),
    pgUrl: base.pgUrl ?? saved.pgUrl ?? undefined,
    apiKey: base.apiKey ?? saved.apiKey ?? undefined,
  };
}
