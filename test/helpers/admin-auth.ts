import { proveToGateway } from '../../src/gateway/bridge/gateway-proof.ts';
import { localKey } from '../../src/gateway/local-proof.ts';

/** The Authorization header of an admin session, got the way the CLI gets it (local proof, never the secret itself). */
export async function adminAuth(gateway: { baseUrl: string; localSecret: string }): Promise<{ authorization: string }> {
  const session = await proveToGateway(gateway.baseUrl, localKey(gateway.localSecret), { kind: 'admin' });
  return { authorization: `Bearer ${session.token}` };
}
