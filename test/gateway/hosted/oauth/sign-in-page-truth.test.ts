import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { disposeSharedPostgres, sharedPostgres, type SharedPostgres } from '../../../helpers/postgres.ts';
import { startAuthServer, type AuthServer } from '../oauth-harness.ts';
import { openSignInPage, visit } from '../oauth-raw.ts';

let postgres: SharedPostgres;
let server: AuthServer;
before(async () => {
  postgres = await sharedPostgres();
  server = await startAuthServer(postgres, await postgres.createDatabase('sign_in_truth'));
});
after(async () => {
  await server?.close();
  await disposeSharedPostgres();
});

/** The sign-in page a user sees for a client registered with this name and redirect URI. */
async function signInPage(name: string, redirectUri: string): Promise<string> {
  const { signInUrl, jar } = await openSignInPage(server.publicUrl, { name, redirectUri });
  const page = await visit(signInUrl, jar);
  assert.equal(page.status, 200);
  return page.text();
}

/** The page's visible text, roughly (tags dropped, entities of the escaped characters decoded). */
const visibleText = (page: string) => page.replace(/<[^>]*>/g, ' ').replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));

describe('the sign-in page tells the truth about where the code goes and who asks', { timeout: 60_000 }, () => {
  it('an app redirect URI is shown with its scheme: evilapp://claude.ai is not claude.ai', async () => {
    const text = visibleText(await signInPage('Claude', 'evilapp://claude.ai/callback'));
    assert.match(text, /Returns you to\s+evilapp:\/\/claude\.ai/);
    const web = visibleText(await signInPage('Claude', 'https://claude.ai/api/mcp/auth_callback'));
    assert.match(web, /Returns you to\s+https:\/\/claude\.ai/);
  });

  it('bidi and other control characters in a client name are neutralized', async () => {
    // "Claude" followed by a right-to-left override that would make "exe.evil" read "live.exe".
    const text = visibleText(await signInPage('Claude\u202Eexe.evil\u0007\u200B', 'https://claude.ai/api/mcp/auth_callback'));
    assert.doesNotMatch(text, /[\u202A-\u202E\u2066-\u2069\u200B-\u200F]/);
    assert.ok(!text.includes(String.fromCharCode(7)), 'no BEL character');
    assert.match(text, /Connect Claude\uFFFDexe\.evil\uFFFD\uFFFD/);
  });
});
