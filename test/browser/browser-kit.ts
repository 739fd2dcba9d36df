import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { BrowserWindow } from '../../src/portal/browser/dom.ts';

export const chromiumPath = process.env.CHARTBRIDGE_TEST_CHROMIUM;
export const skipWithoutChromium = chromiumPath
  ? false
  : 'CHARTBRIDGE_TEST_CHROMIUM is not set (no Chromium): web ui browser tests skipped';

/** CHARTBRIDGE_SCREENSHOT_DIR moves them (to look at them outside the repository). */
export const screenshotDir =
  process.env.CHARTBRIDGE_SCREENSHOT_DIR ?? join(process.cwd(), 'test-results', 'screenshots');

/** Debian's Chromium through playwright-core (never a downloaded browser). */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export async function saveScreenshot(page: Page, name: string, fullPage = true): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage });
}

/**
 * Records every request the page makes and every dialog it opens: hostile content must not make the browser
 * talk to anyone but the allowed origins, nor run `alert`.
 */
export function watchPage(page: Page): { requests: string[]; dialogs: string[] } {
  const seen = { requests: [] as string[], dialogs: [] as string[] };
  page.on('request', (request) => seen.requests.push(request.url()));
  page.on('dialog', (dialog) => {
    seen.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return seen;
}

export function assertOnlyOrigins(requests: string[], origins: string[]): void {
  const foreign = requests.filter((url) => !origins.includes(new URL(url).origin));
  assert.deepEqual(foreign, [], 'requests left the allowed origins');
}

/**
 * The patient's whole way in, as a person does it: home, "Connect a hospital", type into the search, pick the
 * hospital, sign in at the sandbox EHR with the password, allow for a year, land back on the status page.
 */
export async function connectThroughPages(
  page: Page,
  input: { appUrl: string; search: string; hospital: string; username: string; shots?: string },
): Promise<void> {
  await page.goto(`${input.appUrl}/`);
  if (input.shots) await saveScreenshot(page, `${input.shots}-01-home`);
  await page.click('button[type=submit]:has-text("Connect a hospital")');
  await page.waitForSelector('#hospital-search');
  await page.fill('#hospital-search', input.search);
  await page.waitForSelector('#hospital-status:has-text("found")');
  const links = page.locator('#hospital-results a');
  assert.equal(await links.count(), 1, 'the live search narrows the list to one hospital');
  if (input.shots) await saveScreenshot(page, `${input.shots}-02-picker-search`);
  // By keyboard, as someone who cannot use a mouse: from the search box, Tab past "Search" to the hospital.
  await page.focus('#hospital-search');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() =>
    (globalThis as unknown as BrowserWindow).document.querySelector(':focus')?.getAttribute('aria-label'),
  );
  assert.equal(focused, `Connect ${input.hospital}`);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#username');
  if (input.shots) await saveScreenshot(page, `${input.shots}-03-sandbox-sign-in`);
  await page.fill('#username', input.username);
  await page.fill('#password', 'chartbridge');
  await page.click('button[type=submit]');
  await page.check('input[name=period][value="1y"]');
  if (input.shots) await saveScreenshot(page, `${input.shots}-04-sandbox-consent`);
  await page.click('button[value=allow]');
  await page.waitForURL(`${input.appUrl}/connected/**`);
  if (input.shots) await saveScreenshot(page, `${input.shots}-05-connected`);
}

/** From the status page: the live progress page until the first sync says it finished. */
export async function watchFirstSync(page: Page, shots?: string): Promise<string> {
  await page.click('a:has-text("Watch my record arrive")');
  await page.waitForSelector('[data-progress-done]:not([hidden])', { timeout: 60_000 });
  if (shots) await saveScreenshot(page, `${shots}-06-sync-finished`);
  return (await page.textContent('[data-progress-text]')) ?? '';
}
