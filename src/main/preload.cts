// The status window's preload: sandboxed, in an isolated world, and deliberately narrow. The page
// talks to the gateway over HTTP like any browser; this only tells it that it runs in the app.
// Preloads must be CommonJS and reach Electron through require (the renderer-side exception to
// "only electron-adapter.ts imports electron", which is about the main process).
const { contextBridge } = require('electron') as typeof import('electron');

contextBridge.exposeInMainWorld('dementiaDesktop', Object.freeze({ desktop: true, platform: process.platform }));
