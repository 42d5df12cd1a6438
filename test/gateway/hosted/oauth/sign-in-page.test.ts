// Issue 21.11: the sign-in page claims a previous client only where there may be one. The API key
// (hence the tenant) is not known before the form is sent, so the hint must hold on a first sign-in too.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signInPage } from '../../../../src/gateway/hosted/oauth/sign-in-page.ts';

describe('the sign-in page', () => {
  it('does not say a first-time client "continues as the client it was before"', () => {
    const page = String(signInPage({ action: '/sign-in/x', clientName: 'claudeai', redirectTarget: 'https://claude.ai', serverHost: 'memory.example.com' }));
    assert.doesNotMatch(page, /continues as the client it was before/);
    assert.match(page, /Unticked, if claudeai signed in here before with this key, it continues as that client, with its project and work session\./);
  });
});
