import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The app version, from package.json, for serverInfo and status output. */
export const APP_VERSION: string = (require('../../package.json') as { version: string }).version;
