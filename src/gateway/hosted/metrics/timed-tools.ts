import { performance } from 'node:perf_hooks';
import type { ToolCalls } from '../../http/mcp-surface.ts';

/**
 * The tool layer, with each tools/call's wall time reported (real time, not the injected clock:
 * this measures the server, not the rules). A name that is no tool is reported as "unknown", so
 * requests cannot add label values.
 */
export function timedToolCalls(tools: ToolCalls, observe: (tool: string, seconds: number) => void): ToolCalls {
  const known = new Set(tools.names());
  return {
    list: () => tools.list(),
    names: () => tools.names(),
    async call(name, args, caller, options) {
      const started = performance.now();
      try {
        return await tools.call(name, args, caller, options);
      } finally {
        observe(known.has(name) ? name : 'unknown', (performance.now() - started) / 1000);
      }
    },
  };
}
