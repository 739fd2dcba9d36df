// Page functions run in Chromium: they see the DOM.
/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { NO_REFRESH_TOKEN_HINT } from '../../src/connect/save-connection.ts';
import { noJobs, startConnectedApp, type ConnectedApp } from '../../src/testing/connected-app.ts';
import { launchChromium, saveScreenshot, skipWithoutChromium } from './browser-kit.ts';

/**
 * Issue 15 point 10: when an EHR grants no refresh token (persistent access not enabled in the registration), the
 * operator sees it on /operator with the fix, not only in the logs and the audit trail.
 */
describe(
  '/operator shows a registration that grants no refresh token, in Chromium',
  { skip: skipWithoutChromium },
  () => {
    let app: ConnectedApp;
    let browser: Browser;

    before(async () => {
      app = await startConnectedApp({ sandboxOptions: { autoApprovePeriod: 'none' }, jobs: noJobs });
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      await app?.close();
    });

    it('lists the hospital, how many connections, and the registration fix, fitting a phone', async () => {
      await app.connectPatient('one-time-a');
      await app.connectPatient('one-time-b');
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
      await page.goto(`${app.url}/operator/login`);
      await page.fill('#api-key', app.apiKey);
      await page.click('button:has-text("Sign in")');
      await page.waitForURL(`${app.url}/operator`);
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 900 });
        await saveScreenshot(page, `operator-registration-alert-${width}`);
        const rows = await page.$$eval('table[aria-label="Registration alerts"] tbody tr', (trs) =>
          trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim())),
        );
        assert.equal(rows.length, 1, `${width}px: one alert row`);
        const [hospital, problem, connections, lastSeen, fix] = rows[0]!;
        assert.equal(hospital, 'Northwind General Hospital');
        assert.equal(problem, 'No refresh token Persistent access is off in the registration.');
        assert.equal(connections, '2');
        assert.match(lastSeen ?? '', /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
        assert.equal(
          fix,
          `${NO_REFRESH_TOKEN_HINT.charAt(0).toUpperCase()}${NO_REFRESH_TOKEN_HINT.slice(1)}.`,
        );
        const fits = await page.evaluate(() => {
          const table = document.querySelector('table[aria-label="Registration alerts"]')!;
          return (
            table.scrollWidth <= (table.parentElement?.clientWidth ?? 0) + 1 &&
            document.documentElement.scrollWidth <= document.documentElement.clientWidth
          );
        });
        assert.ok(fits, `${width}px: the alert table fits the screen`);
      }
    });
  },
);
