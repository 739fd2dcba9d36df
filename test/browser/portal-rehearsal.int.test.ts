// Page functions run in Chromium: they see the DOM.
/// <reference lib="dom" />
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SandboxDataStore } from '../../src/sandbox/model.ts';
import { startSandbox } from '../../src/sandbox/sandbox.ts';
import { runCli } from '../../src/testing/run-cli.ts';
import { launchChromium, saveScreenshot, skipWithoutChromium } from './browser-kit.ts';

const noPatients: SandboxDataStore = {
  organizations: () => [],
  organization: () => undefined,
  patientResources: () => [],
  read: () => undefined,
};

/**
 * docs/epic-setup.md "Rehearse on the sandbox", as an operator does it: open the portal double's management page,
 * sign in with any name and password, copy the cookie and the hidden verification token (step 9), run
 * `portal activate --dry-run`; the scope page's form saves.
 */
test(
  'portal double: the epic-setup rehearsal works from a real browser',
  { skip: skipWithoutChromium },
  async () => {
    const sandbox = await startSandbox({ data: noPatients, portal: { appId: '12345', orgCount: 6 } });
    const browser = await launchChromium();
    const dir = mkdtempSync(join(tmpdir(), 'chartbridge-rehearsal-'));
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      const management = `${sandbox.url}/portal/Developer/Management?id=12345`;
      await page.goto(management);
      assert.equal(await page.title(), 'Sign In - Epic on FHIR');
      await page.fill('input[name=Username]', 'rehearsal');
      await page.fill('input[name=Password]', 'any password');
      await Promise.all([page.waitForURL(management), page.click('button[type=submit]')]);
      assert.equal(await page.textContent('h1'), 'Review & Manage Downloads');
      assert.equal(await page.locator('#downloads tr').count(), 6);
      await saveScreenshot(page, 'portal-rehearsal-management');

      // Step 9: the cookie and the verification token, from the same signed-in session.
      const cookie = (await context.cookies(sandbox.url)).map((c) => `${c.name}=${c.value}`).join('; ');
      const token = await page.evaluate(
        () => (document.querySelector('input[name="__RequestVerificationToken"]') as HTMLInputElement).value,
      );
      const dryRun = await runCli(
        [
          'portal',
          'activate',
          '--app-id',
          '12345',
          '--portal-url',
          `${sandbox.url}/portal`,
          '--pacing',
          '0',
          '--dry-run',
        ],
        { cwd: dir, env: { CHARTBRIDGE_PORTAL_COOKIE: cookie, CHARTBRIDGE_PORTAL_TOKEN: token } },
      );
      assert.equal(dryRun.code, 0, dryRun.stdout + dryRun.stderr);
      assert.equal(sandbox.portal.counters.approveCalls, 0, 'a dry run approves nothing');
      assert.ok(
        sandbox.portal.counters.loadCalls >= 1,
        'the dry run read the downloads with the browser session',
      );

      // The scope script's page: its form posts back under /portal and lands on the page again.
      const editApp = `${sandbox.url}/portal/Developer/EditApp?appId=12345`;
      await page.goto(editApp);
      await Promise.all([page.waitForURL(editApp), page.click('#saveApis')]);
      assert.equal(await page.locator('#saveApis').count(), 1);
    } finally {
      await browser.close();
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
