// Import rules for src/, checked by `npm run lint` (depcruise). The floors are described in
// docs/architecture.md: a file may import from its own floor and the floors below, never above.

/** The floors of src/, from the ground up. */
const FLOORS = [
  { name: 'base', path: '^src/gateway/(text/|secret-scan/|[^/]+\\.ts$)', pathNot: '^src/gateway/(services|status-snapshot|gateway|gateway-wiring)\\.ts$' },
  { name: 'pg', path: '^src/gateway/pg/' },
  { name: 'store', path: '^src/gateway/store/' },
  { name: 'memory', path: '^src/gateway/memory/' },
  { name: 'sessions', path: '^src/gateway/sessions/' },
  { name: 'services', path: '^src/gateway/services\\.ts$' },
  { name: 'tools', path: '^src/gateway/tools/' },
  { name: 'resources', path: '^src/gateway/resources/' },
  { name: 'prompts', path: '^src/gateway/prompts/' },
  { name: 'features', path: '^src/gateway/(sync|import|export|client-config)/' },
  { name: 'status', path: '^src/gateway/status-snapshot\\.ts$' },
  { name: 'http', path: '^src/gateway/(http|bridge)/' },
  { name: 'servers', path: '^src/gateway/(hosted/|gateway(-wiring)?\\.ts$)' },
  { name: 'cli', path: '^src/gateway/cli/' },
  { name: 'desktop', path: '^src/(main|renderer)/' },
];

const upward = FLOORS.slice(0, -1).map((floor, i) => ({
  name: `floor-${floor.name}`,
  comment: `The ${floor.name} floor imports only from its own floor and those below it (docs/architecture.md).`,
  severity: 'error',
  from: { path: floor.path, ...(floor.pathNot ? { pathNot: floor.pathNot } : {}) },
  to: { path: FLOORS.slice(i + 1).map((f) => f.path) },
}));

export default {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Files that import each other (directly or around a loop) cannot be read, tested or moved one at a time.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'gateway-not-desktop',
      comment: 'src/gateway runs headless: it never imports electron, the desktop shell or the renderer.',
      severity: 'error',
      from: { path: '^src/gateway/' },
      to: { path: ['^src/(main|renderer)/', '^node_modules/electron/', '^electron$'] },
    },
    {
      name: 'hosted-not-sync',
      comment: 'Hosted mode has no local store to sync: it shares Postgres plumbing with sync through pg/, never sync itself.',
      severity: 'error',
      from: { path: '^src/gateway/hosted/' },
      to: { path: '^src/gateway/sync/' },
    },
    ...upward,
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
  },
};
