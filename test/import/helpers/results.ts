import assert from 'node:assert/strict';
import { textOf, type ToolResult } from '../../helpers/gateway-harness.ts';

/** The structured content of a tool result that must have succeeded. */
export function structured(result: ToolResult): Record<string, unknown> {
  assert.ok(!result.isError, textOf(result));
  return result.structuredContent as Record<string, unknown>;
}
