import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (installed by .ci/run); playwright-core cannot download a browser here. */
export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

/**
 * How long a test waits for what the page shows after a change or a click. The page re-renders by
 * itself only every 15 s (TICK_MS in src/renderer/app.ts), so whatever appears sooner was pushed by
 * the gateway: the tests show that it is pushed, and a loaded 2-core machine gets room to show it.
 * How fast it arrives is a benchmark's question, never a test's.
 */
export const SHOWN_WITHIN_MS = 5_000;

export function chromiumMissing(): string | false {
  return existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: apt-get install -y chromium`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
}

/** A browser context signed in to the gateway's admin API with a one-time code, like `dementia status`. */
export async function openStatusPage(
  browser: Browser,
  gateway: { baseUrl: string; admin: { issueCode(): string } },
  options: { scale?: number; colorScheme?: 'light' | 'dark'; view?: string; width?: number; height?: number } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1040, height: options.height ?? 720 },
    deviceScaleFactor: options.scale ?? 1,
    colorScheme: options.colorScheme ?? 'light',
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  (page as Page & { errors?: string[] }).errors = errors;
  await page.goto(`${gateway.baseUrl}/auth?code=${gateway.admin.issueCode()}${options.view ? `#${options.view}` : ''}`);
  await page.locator('#live.live-live').waitFor();
  return { context, page };
}

export function pageErrors(page: Page): string[] {
  return (page as Page & { errors?: string[] }).errors ?? [];
}
