import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { expectedScopeLabels } from '../sandbox/portal/api-catalog.ts';
import { startPortalDouble, type RunningPortalDouble } from '../sandbox/portal/start-portal-double.ts';
import { runCli } from '../testing/run-cli.ts';
import { waitFor } from '../testing/wait-for.ts';
import { buildActivationScript, buildScopesScript } from './console-scripts.ts';

const chromium = process.env.CHARTBRIDGE_TEST_CHROMIUM;
const skip = chromium
  ? false
  : 'CHARTBRIDGE_TEST_CHROMIUM is not set (no Chromium): console-script browser tests skipped';
const APP = '5150';

describe('portal console scripts in Chromium', { skip }, () => {
  let portal: RunningPortalDouble;
  let browser: Browser;
  let page: Page;

  before(async () => {
    // 40 organisations: 3 done, 5 with non-production only, 32 new of which 2 (indices 19, 39) never provision.
    portal = await startPortalDouble({
      appId: APP,
      orgCount: 40,
      failingOrgCount: 2,
      startDone: 3,
      startNonProd: 5,
    });
    browser = await launchChromium();
    page = await browser.newPage();
    await signIn(page, portal.url);
  });
  after(async () => {
    await browser?.close();
    await portal?.close();
  });

  it('selects exactly the USCDI v3 / read-only (R4) APIs with the page controls', async () => {
    await page.goto(`${portal.url}/Developer/EditApp?appId=${APP}`);
    await page.evaluate(await buildScopesScript({ stepDelayMs: 2 }));
    const result = await page.evaluate(
      () => (globalThis as unknown as Record<string, unknown>).chartbridgeScopesResult,
    );
    assert.deepEqual(result, { target: 90, added: 87, alreadySelected: 3, notFound: [] });
    const listed = await page.$$eval('#selectedApis li.apiListItem', (items) =>
      items.map((li) => li.textContent!.trim()),
    );
    assert.deepEqual(
      listed.sort((a, b) => a.localeCompare(b)),
      expectedScopeLabels(portal.catalog),
    );
    await Promise.all([page.waitForURL(/EditApp/), page.click('#saveApis')]);
    const saved = portal.catalog
      .filter((api) => portal.state.selectedApiIds.has(api.id))
      .map((api) => api.label);
    assert.deepEqual(
      saved.sort((a, b) => a.localeCompare(b)),
      expectedScopeLabels(portal.catalog),
    );
  });

  it('plans, asks, activates with a sessionStorage journal, and re-runs only the failed organisations', async () => {
    await page.goto(`${portal.url}/Developer/Management?id=${APP}`);
    const script = await buildActivationScript({ pacingMs: 2, pageSize: 15 });
    const dialogs: string[] = [];
    let answer = false;
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void (answer ? dialog.accept() : dialog.dismiss());
    });
    await page.evaluate(script);
    assert.equal(portal.state.counters.approveCalls, 0);
    assert.match(dialogs[0]!, /^chartbridge will make 69 calls:\n/);

    answer = true;
    await page.evaluate(script).catch(() => undefined); // the page reloads when the run ends
    const summary = await waitFor(() => readSummary(page), { timeoutMs: 60_000, what: 'activation summary' });
    assert.equal(summary.status, 'completed');
    assert.equal(summary.planned, 69);
    assert.equal(summary.succeededCalls, 30 * 2 + 5);
    assert.deepEqual(
      summary.failures.map((failure: { step: string; message: string }) => [failure.step, failure.message]),
      [
        ['nonprod', 'Failed to register client for download.'],
        ['nonprod', 'Failed to register client for download.'],
      ],
    );
    assert.deepEqual([portal.state.stats().activated, portal.state.stats().duplicateCalls], [38, 0]);
    await page.waitForSelector('tr[data-approved="1"]');
    assert.equal(await page.locator('tr[data-approved="1"]').count(), 38);

    const callsBefore = portal.state.counters.approveCalls;
    await page.evaluate(script).catch(() => undefined);
    await waitFor(async () => (await readSummary(page))?.planned === 4, { what: 'second summary' });
    assert.equal(portal.state.counters.approveCalls - callsBefore, 2);
    assert.equal(portal.state.stats().duplicateCalls, 0);
  });
});

describe('portal activate-script --direct-jwks in Chromium', { skip }, () => {
  it('uploads the embedded RSA JWKS with one call per organisation', async () => {
    const portal = await startPortalDouble({ appId: APP, orgCount: 25, startNonProd: 4 });
    const dir = mkdtempSync(join(tmpdir(), 'chartbridge-script-'));
    const browser = await launchChromium();
    try {
      const rsa = {
        ...(await exportJWK((await generateKeyPair('RS384')).publicKey)),
        kid: 'k1',
        alg: 'RS384',
      };
      writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [rsa] }));
      const printed = await runCli(
        ['portal', 'activate-script', '--direct-jwks', '--jwks-file', 'jwks.json', '--pacing', '1'],
        {
          cwd: dir,
        },
      );
      assert.equal(printed.code, 0, printed.stderr);
      assert.doesNotMatch(printed.stdout, /"d":/);
      const page = await browser.newPage();
      await signIn(page, portal.url);
      page.on('dialog', (dialog) => void dialog.accept());
      await page.evaluate(printed.stdout).catch(() => undefined);
      const summary = await waitFor(() => readSummary(page), { timeoutMs: 60_000, what: 'direct summary' });
      assert.deepEqual([summary.status, summary.planned, summary.succeededCalls], ['completed', 25, 25]);
      const stats = portal.state.stats();
      assert.deepEqual([stats.activated, stats.approveCalls, stats.duplicateCalls], [25, 25, 0]);
      assert.deepEqual(JSON.parse(portal.state.orgs.get('1000')!.testJwks!), {
        keys: [{ ...rsa, use: 'sig' }],
      });
    } finally {
      await browser.close();
      await portal.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function launchChromium(): Promise<Browser> {
  const { chromium: launcher } = await import('playwright-core');
  return launcher.launch({
    executablePath: chromium,
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

// Signs in the way an operator does: the management page redirects to the sign-in form and back.
async function signIn(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/Developer/Management?id=${APP}`);
  await page.fill('input[name="Username"]', 'operator');
  await page.fill('input[name="Password"]', 'secret');
  await Promise.all([page.waitForURL(/\/Developer\/Management\?id=/), page.click('button[type="submit"]')]);
}

async function readSummary(page: Page) {
  const text = await page.evaluate(
    (key) =>
      (
        globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }
      ).sessionStorage.getItem(key),
    `chartbridgeActivation:${APP}:summary`,
  );
  return text ? JSON.parse(text) : undefined;
}
