import { homedir } from 'node:os';
import type { ClientRecord } from '../store/clients.ts';
import { claudeMcpAddCommand, SERVER_NAME } from './server-entries.ts';
import { knownTokenUses, ownTokenUses, placesOf } from './token-uses.ts';

export interface TokenUpdate {
  /** Where the old token was found (what stops working until updated). */
  foundIn: string[];
  /** What to run or do to give the client its new token, one item each. */
  steps: string[];
}

const quote = (text: string) => JSON.stringify(text);

/** Where a client's current token is configured, read before it is replaced. */
export function tokenUsesOf(client: ClientRecord, authenticate: (token: string) => ClientRecord | undefined): string[] {
  const { uses } = knownTokenUses({ platform: process.platform, homeDir: homedir(), env: process.env });
  return placesOf(ownTokenUses(uses, client.id, authenticate));
}

/** After `clients rotate-token`: how to put the new token where the old one was. */
export function tokenUpdateSteps(client: ClientRecord, token: string, mcpUrl: string, foundIn: string[]): TokenUpdate {
  const name = quote(client.name);
  const elsewhere = `for a repository configured as ${name}: dementia config ${client.kind} --client ${name} --repo DIR --token ${token} --write`;
  switch (client.kind) {
    case 'claude-desktop':
      return { foundIn, steps: [`Nothing to update: Claude Desktop's bridge (connect --client ${name}) needs no token.`] };
    case 'claude-code': {
      const add = claudeMcpAddCommand({ clientName: client.name, token, mcpUrl, project: undefined, dataDir: undefined }, process.platform, 'user');
      return {
        foundIn,
        steps: [`claude mcp remove --scope user ${SERVER_NAME}`, add, elsewhere],
      };
    }
    case 'cursor':
    case 'vscode':
      return { foundIn, steps: [`dementia config ${client.kind} --client ${name} --token ${token} --write`, elsewhere] };
    case 'other':
      return { foundIn, steps: [`Replace the token in the client's "Authorization: Bearer ..." header with the new one.`] };
  }
}
