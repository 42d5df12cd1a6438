// Issue 14 item 3: config writers never follow a symbolic link to change a file outside the client's
// own config without the user confirming that very target.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { adminAuth } from '../helpers/admin-auth.ts';
import { startTestGateway, tempDir, type TestGateway } from '../helpers/gateway-harness.ts';
import { cli } from '../clients/processes.ts';
import { chromiumMissing, launchChromium, openStatusPage, pageErrors } from '../renderer/helpers/browser.ts';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/security/', import.meta.url));

const OTHER_APP = '{\n  "theme": "dark",\n  "apiKey": "other-app-secret"\n}\n';

/** Another application's settings file, readable by others, in its own folder. */
function otherAppFile(root: string): string {
  const dir = join(root, 'other-app');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'settings.json');
  writeFileSync(path, OTHER_APP);
  chmodSync(path, 0o644);
  return path;
}

function assertUntouched(path: string): void {
  assert.equal(readFileSync(path, 'utf8'), OTHER_APP, `${path} keeps its content`);
  assert.equal(statSync(path).mode & 0o777, 0o644, `${path} keeps its mode`);
  assert.deepEqual(
    readdirSync(join(path, '..')).filter((name) => name !== 'settings.json'),
    [],
    'no backup or temp file beside it',
  );
}

describe('config writers and symbolic links', () => {
  const root = tempDir('dementia-links-');
  const env = { DEMENTIA_DATA_DIR: join(root, 'data'), HOME: join(root, 'home'), XDG_CONFIG_HOME: join(root, 'home', '.config') };
  after(() => rmSync(root, { recursive: true, force: true }));

  it('`config claude-code --repo R --write` with R/.mcp.json linked to another app’s file: refused, naming the real target and the way on', async () => {
    const repo = join(root, 'repo-file-link');
    mkdirSync(repo, { recursive: true });
    const target = otherAppFile(join(root, 'victim-1'));
    symlinkSync(target, join(repo, '.mcp.json'));

    const preview = await cli(['config', 'claude-code', '--repo', repo], env);
    assert.equal(preview.code, 0, preview.stderr);
    assert.ok(preview.stdout.includes(target), `the preview names the real target: ${preview.stdout}`);
    assert.match(preview.stdout, /symbolic link/);

    const written = await cli(['config', 'claude-code', '--repo', repo, '--write'], env);
    assert.equal(written.code, 2, written.stdout);
    assert.ok(written.stderr.includes(`${join(repo, '.mcp.json')} is a symbolic link to ${target}`), written.stderr);
    assert.match(written.stderr, /Nothing was written\. Fix: .*--confirm-target .*rm /s);
    assertUntouched(target);
    assert.ok(lstatSync(join(repo, '.mcp.json')).isSymbolicLink(), 'the link is left as it was');
  });

  it('a linked parent folder (R/.cursor -> elsewhere) is refused the same way; nothing is created there', async () => {
    const repo = join(root, 'repo-dir-link');
    mkdirSync(repo, { recursive: true });
    const elsewhere = join(root, 'victim-2', 'other-app');
    mkdirSync(elsewhere, { recursive: true });
    symlinkSync(elsewhere, join(repo, '.cursor'));
    const written = await cli(['config', 'cursor', '--repo', repo, '--write'], env);
    assert.equal(written.code, 2, written.stdout);
    assert.ok(written.stderr.includes(`is a symbolic link to ${join(elsewhere, 'mcp.json')}`), written.stderr);
    assert.deepEqual(readdirSync(elsewhere), [], 'nothing written into the other folder');

    const hooks = await cli(['hooks', 'install', 'claude-code', '--repo', repo, '--write'], env);
    assert.equal(hooks.code, 0, 'no link on this path');
    const claudeDir = join(root, 'victim-3');
    mkdirSync(claudeDir, { recursive: true });
    const linkedRepo = join(root, 'repo-hook-link');
    mkdirSync(linkedRepo);
    symlinkSync(claudeDir, join(linkedRepo, '.claude'));
    const hook = await cli(['hooks', 'install', 'claude-code', '--repo', linkedRepo, '--write'], env);
    assert.equal(hook.code, 2);
    assert.match(hook.stderr, /is a symbolic link to .*victim-3\/settings\.json/);
    assert.deepEqual(readdirSync(claudeDir), []);
  });

  it('a link the user confirms (a dotfile manager’s) is written through: the target changes, the link stays', async () => {
    const repo = join(root, 'repo-dotfiles');
    mkdirSync(repo, { recursive: true });
    const target = join(root, 'dotfiles', 'mcp.json');
    mkdirSync(join(root, 'dotfiles'));
    writeFileSync(target, '{ "mcpServers": {} }\n');
    symlinkSync(target, join(repo, '.mcp.json'));
    const wrong = await cli(['config', 'claude-code', '--repo', repo, '--write', '--confirm-target', join(root, 'dotfiles', 'other.json')], env);
    assert.equal(wrong.code, 2, 'a confirmation must name the real target');
    const written = await cli(['config', 'claude-code', '--repo', repo, '--write', '--confirm-target', target, '--json'], env);
    assert.equal(written.code, 0, written.stderr);
    assert.ok(JSON.parse(readFileSync(target, 'utf8')).mcpServers.dementia);
    assert.ok(lstatSync(join(repo, '.mcp.json')).isSymbolicLink());
  });

  describe('the status window’s "Connect a client"', () => {
    let test: TestGateway;
    let admin: { authorization: string };
    before(async () => {
      test = await startTestGateway({ dataDir: join(root, 'window-data') });
      admin = await adminAuth(test.gateway);
    });
    after(() => test.stop());

    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${test.gateway.baseUrl}${path}`, {
        method: 'POST',
        headers: { ...admin, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    it('shows the real target in the preview and writes only when the page confirms exactly that target', async () => {
      const repo = join(root, 'repo-window');
      mkdirSync(repo, { recursive: true });
      const target = otherAppFile(join(root, 'victim-4'));
      symlinkSync(target, join(repo, '.mcp.json'));
      const plan = await post('/api/connect/plan', { kind: 'claude-code', repoDir: repo });
      assert.equal(plan.status, 200);
      assert.equal(plan.body.realPath, target);
      const refused = await post('/api/connect/apply', { planId: plan.body.planId });
      assert.equal(refused.status, 409);
      assert.ok(String(refused.body.error).includes(`symbolic link to ${target}`));
      assertUntouched(target);
      const confirmed = await post('/api/connect/apply', { planId: plan.body.planId, confirmTarget: target });
      assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
      assert.ok(JSON.parse(readFileSync(target, 'utf8')).mcpServers.dementia, 'written where the user confirmed');
      assert.ok(existsSync(join(repo, '.mcp.json')));
    });

    it(
      'in a real Chromium: the preview warns and names the target; the write button says which file it writes (screenshot)',
      { skip: chromiumMissing() },
      async () => {
        const repo = join(root, 'repo-browser');
        mkdirSync(repo, { recursive: true });
        const target = otherAppFile(join(root, 'victim-5'));
        symlinkSync(target, join(repo, '.mcp.json'));
        const browser = await launchChromium();
        try {
          const { page } = await openStatusPage(browser, test.gateway, { view: 'connect' });
          await page.locator('[data-kind="claude-code"]').click();
          await page.locator('input[name="name"]').fill('Claude Code in the linked repo');
          await page.locator('input[name="repoDir"]').fill(repo);
          await page.locator('[data-action="preview"]').click();
          const warning = page.locator('.link-warning');
          await warning.waitFor();
          assert.ok((await warning.textContent())!.includes(`symbolic link to ${target}`));
          const write = page.locator('.plan-actions .btn-primary');
          assert.equal(await write.textContent(), `Write the linked file ${target}`);
          mkdirSync(ARTIFACTS, { recursive: true });
          await page.locator('.plan').screenshot({ path: join(ARTIFACTS, 'connect-linked-file.png') });
          assertUntouched(target);
          await write.click();
          await page.locator('.written').waitFor();
          assert.ok(JSON.parse(readFileSync(target, 'utf8')).mcpServers.dementia, 'written after the explicit click');
          assert.deepEqual(pageErrors(page), []);
        } finally {
          await browser.close();
        }
      },
    );
  });
});
