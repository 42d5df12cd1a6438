import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';

export interface BridgeOptions {
  mcpUrl: string;
  /** Authorization and identity headers sent with every request. */
  headers: Record<string, string>;
  /** How long to keep retrying while the gateway is down or restarting. */
  retryForMs: number;
  log: (line: string) => void;
}

const isRequest = (message: JSONRPCMessage): message is JSONRPCMessage & { id: string | number; method: string } =>
  'method' in message && 'id' in message;

/** Connection failures worth waiting out: the gateway is restarting or not started yet. */
function isUnreachable(error: unknown): boolean {
  const text = `${String(error)} ${String((error as { cause?: unknown })?.cause ?? '')}`;
  return /ECONNREFUSED|ECONNRESET|fetch failed|socket hang up|EPIPE|UND_ERR/i.test(text);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Speaks MCP on stdin/stdout (for clients that launch servers as commands, like Claude Desktop) and
 * forwards every message to the gateway over Streamable HTTP. While the gateway is down it waits and
 * retries instead of exiting, so the client never has to be restarted.
 */
export async function runStdioBridge(options: BridgeOptions): Promise<void> {
  const stdio = new StdioServerTransport();
  const http = new StreamableHTTPClientTransport(new URL(options.mcpUrl), { requestInit: { headers: options.headers } });
  const initializeIds = new Set<string | number>();

  http.onmessage = (message) => {
    // The negotiated version must accompany later HTTP requests (MCP-Protocol-Version header).
    if ('id' in message && initializeIds.has(message.id as string | number) && 'result' in message) {
      initializeIds.delete(message.id as string | number);
      const version = (message.result as { protocolVersion?: string }).protocolVersion;
      if (version) http.setProtocolVersion(version);
    }
    void stdio.send(message);
  };
  http.onerror = (error) => options.log(`gateway stream error: ${error.message}`);

  const forward = async (message: JSONRPCMessage): Promise<void> => {
    if (isRequest(message) && message.method === 'initialize') initializeIds.add(message.id);
    const deadline = Date.now() + options.retryForMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await http.send(message);
        return;
      } catch (error) {
        if (!isUnreachable(error) || Date.now() >= deadline) {
          if (isRequest(message)) await stdio.send(giveUp(message, error, options.mcpUrl));
          options.log(`could not forward ${isRequest(message) ? message.method : 'message'}: ${String(error)}`);
          return;
        }
        if (attempt === 0) options.log(`gateway unreachable at ${options.mcpUrl}; retrying`);
        await sleep(Math.min(2_000, 100 * 2 ** attempt));
      }
    }
  };

  stdio.onmessage = (message) => void forward(message);
  await new Promise<void>((resolve) => {
    stdio.onclose = () => resolve();
    void stdio.start();
    void http.start();
  });
  await http.close().catch(() => {});
}

/** The answer when the gateway stays unreachable: for tool calls a readable tool error, else a JSON-RPC error. */
function giveUp(message: { id: string | number; method: string }, error: unknown, mcpUrl: string): JSONRPCMessage {
  const text =
    `Dementia Companion is not reachable at ${mcpUrl} (${String(error).slice(0, 200)}). ` +
    'Start the app (or `dementia serve`) and call the tool again; this client does not need a restart.';
  if (message.method === 'tools/call') {
    return { jsonrpc: '2.0', id: message.id, result: { isError: true, content: [{ type: 'text', text }] } };
  }
  return { jsonrpc: '2.0', id: message.id, error: { code: -32000, message: text } };
}
