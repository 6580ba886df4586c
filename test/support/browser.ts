/**
 * A real browser for the dashboard tests: Debian's Chromium driven by playwright-core (never a downloaded
 * browser), headless, with a fresh profile per launch. Pages fail their test on any uncaught script error, and
 * screenshots go to test-results/ (and to docs/img/ when SAIMA_DOCS_SCREENSHOTS=1, to refresh the README's).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = process.env.SAIMA_CHROMIUM ?? '/usr/bin/chromium';
const RESULTS = join(ROOT, 'test-results');
const DOCS_IMG = join(ROOT, 'docs', 'img');

export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;

/** Builds dist/web when web/ changed since the last build (a no-op otherwise; `npm test` has usually done it). */
export function ensureWebBuild(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'ensure-web-build.mjs')], { stdio: 'inherit', cwd: ROOT });
}

export async function launchBrowser(t: TestContext): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install the chromium package (see .ci/run)`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  // launch() gives each browser a fresh temporary profile and deletes it on close.
  t.after(() => browser.close());
  return browser;
}

/** A page that records uncaught errors; `assertNoPageErrors` fails the test with them. */
export async function newPage(browser: Browser, opts: { viewport?: { width: number; height: number }; locale?: string } = {}): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: opts.viewport ?? DESKTOP, locale: opts.locale ?? 'en-US', deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  // The dashboard is served with a Content-Security-Policy: anything it blocks is a bug of the page.
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) errors.push(msg.text());
  });
  return { context, page, errors };
}

/** Opens /ui/login on the gateway, signs in with `key`, and waits for the app shell. */
export async function signIn(page: Page, gatewayUrl: string, key: string): Promise<void> {
  await page.goto(`${gatewayUrl}/ui/`);
  await page.getByTestId('login-key').fill(key);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('logout').waitFor();
}

/**
 * Saves a full-page screenshot as test-results/<name>.png (and docs/img/<name>.png when asked to). The docs image
 * starts at the top of the page, or a little above the element `from` (a CSS selector) names.
 */
export async function screenshot(page: Page, name: string, opts: { docs?: boolean; from?: string } = {}): Promise<string> {
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (opts.docs && process.env.SAIMA_DOCS_SCREENSHOTS === '1') {
    mkdirSync(DOCS_IMG, { recursive: true });
    const top = opts.from ? Math.max(0, Number(await page.evaluate(`document.querySelector(${JSON.stringify(opts.from)}).getBoundingClientRect().top + window.scrollY - 16`))) : 0;
    // A little taller than the window: enough for the README without a wall of tables.
    const height = Math.min(1000, Number(await page.evaluate('document.documentElement.scrollHeight')) - top);
    await page.screenshot({ path: join(DOCS_IMG, `${name}.png`), fullPage: true, clip: { x: 0, y: top, width: page.viewportSize()?.width ?? 1280, height } });
  }
  return file;
}

/** Fails when the page scrolls sideways: on a phone, wide tables must scroll inside their panels instead. */
export async function assertNoSidewaysScroll(page: Page, where: string): Promise<void> {
  // A string, not a function: this file is typechecked without the DOM library.
  const { scroll, width } = (await page.evaluate('({ scroll: document.documentElement.scrollWidth, width: window.innerWidth })')) as { scroll: number; width: number };
  if (scroll > width + 1) throw new Error(`${where}: the page is ${scroll}px wide in a ${width}px viewport`);
}

/**
 * Polls a JavaScript expression in the page until it is truthy, and returns its value. page.waitForFunction would
 * compile the expression inside the page, which the dashboard's Content-Security-Policy (no eval) forbids; an
 * evaluation from the test side is not subject to the page's policy.
 */
export async function waitForExpression<T>(page: Page, expression: string, opts: { pollMs?: number; timeoutMs?: number } = {}): Promise<T> {
  const end = Date.now() + (opts.timeoutMs ?? 15_000);
  for (;;) {
    const value = (await page.evaluate(expression)) as T;
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for: ${expression.slice(0, 200)}`);
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 50));
  }
}
