import { Agent, request } from 'node:http';

export interface GatewayReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Keep-alive sockets: a call through the bridge costs no new TCP handshake. */
const agent = new Agent({ keepAlive: true, maxSockets: 16 });

/** One HTTP request to the gateway with node:http (loads faster and adds less latency than fetch). */
export function sendToGateway(url: string, method: 'POST' | 'DELETE', headers: Record<string, string>, body?: string): Promise<GatewayReply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Connection failures worth waiting out: the gateway is restarting, not started yet, or a pooled socket died with it. */
export function isUnreachable(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  return ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ENOTFOUND', 'EAI_AGAIN'].includes(code) || /socket hang up/i.test(String(error));
}

export function closeGatewaySockets(): void {
  agent.destroy();
}
