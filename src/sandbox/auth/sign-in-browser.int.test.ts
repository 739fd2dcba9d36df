import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  codeGrant,
  startAuthHarness,
  testRedirectUri,
  testScope,
  type AuthHarness,
} from '../../testing/sandbox/auth-test-harness.ts';
import { createPkcePair } from '../../testing/sandbox/auth-test-kit.ts';

const chromium = process.env.CHARTBRIDGE_TEST_CHROMIUM;
const skip = chromium
  ? false
  : 'CHARTBRIDGE_TEST_CHROMIUM is not set (no Chromium): sandbox sign-in browser test skipped';

describe('sandbox sign-in and consent in Chromium', { skip }, () => {
  let harness: AuthHarness;
  let browser: Browser;

  before(async () => {
    harness = await startAuthHarness({ autoApprove: false });
    const { chromium: launcher } = await import('playwright-core');
    browser = await launcher.launch({
      executablePath: chromium,
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
  });
  after(async () => {
    await browser?.close();
    await harness?.close();
  });

  it('signs a patient in, takes the chosen period and lands on the redirect URI with a code that works', async () => {
    const page = await browser.newPage();
    // The app's callback is not running: answer it in the browser and keep its URL.
    let callback: URL | undefined;
    await page.route(`${testRedirectUri}**`, (route) => {
      callback = new URL(route.request().url());
      return route.fulfill({ status: 200, contentType: 'text/plain', body: 'callback' });
    });
    const pkce = createPkcePair();
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: harness.client.clientId,
      redirect_uri: testRedirectUri,
      scope: testScope,
      state: 'browser-state',
      aud: harness.urls.fhirBase,
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    });
    await page.goto(`${harness.urls.authorize}?${query}`);
    await page.fill('#username', 'bobbeta');
    await page.fill('#password', 'chartbridge');
    await page.click('button[type=submit]');
    await page.check('input[name=period][value="1y"]');
    await page.click('button[value=allow]');
    await page.waitForURL(`${testRedirectUri}**`);
    assert.equal(callback?.searchParams.get('state'), 'browser-state');
    assert.equal(callback?.searchParams.get('iss'), harness.urls.issuer);
    const response = await harness.token(codeGrant(callback!.searchParams.get('code')!, pkce.verifier));
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { patient: string }).patient, 'eA1.pat-2');
    assert.equal(harness.sandbox.tokens.grants()[0]!.period, '1y');
    await page.close();
  });
});
