import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { BrowserWindow } from '../../src/portal/browser/dom.ts';
import { startInProcessWorker } from '../../src/jobs/start-worker.ts';
import type { WorkerRuntime } from '../../src/jobs/worker-process.ts';
import { loadSandboxData } from '../../src/sandbox/data/load-data.ts';
import { patientFixturesDir } from '../../src/sandbox/fixtures-dir.ts';
import { startConnectedApp, type ConnectedApp } from '../../src/testing/connected-app.ts';
import {
  assertOnlyOrigins,
  connectThroughPages,
  launchChromium,
  saveScreenshot,
  skipWithoutChromium,
  watchFirstSync,
  watchPage,
} from './browser-kit.ts';
import { buildHostileBundle, HOSTILE } from './hostile-bundle.ts';

/**
 * The web UI in Chromium against the real sandbox EHR (sign-in and consent pages, no auto-approve). The data
 * folder holds Dennis Durgan (org-a, Northwind) and a patient whose every string is hostile (org-b, Lakeside).
 */
describe('web ui in Chromium', { skip: skipWithoutChromium }, () => {
  let app: ConnectedApp;
  let worker: WorkerRuntime;
  let browser: Browser;
  let dataDir: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chartbridge-ui-data-'));
    copyFileSync(
      join(patientFixturesDir, 'Dennis_Durgan_78f005f3-7b33-4a5b-84d9-28417b36dbab.json'),
      join(dataDir, 'a-dennis.json'),
    );
    writeFileSync(join(dataDir, 'b-hostile.json'), JSON.stringify(buildHostileBundle()));
    const data = await loadSandboxData({ folders: [dataDir] });
    app = await startConnectedApp({ sandboxOptions: { autoApprove: false, data } });
    // Runs the first sync each connection queues; the progress page only watches it.
    worker = await startInProcessWorker(app.services, { schedule: false });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await worker?.stop();
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a patient searches, signs in, consents, watches the sync, sees a lab chart, and disconnects', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    const seen = watchPage(page);
    await connectThroughPages(page, {
      appUrl: app.url,
      search: 'northw',
      hospital: 'Northwind General Hospital',
      username: 'dennisdurgan',
      shots: 'patient',
    });
    assert.match(await watchFirstSync(page, 'patient'), /^Your record is up to date: \d+ items read\.$/);
    await page.click('a:has-text("See my record")');
    await page.waitForURL(`${app.url}/my/record`);
    const charts = page.locator('#labs svg.chart');
    assert.ok((await charts.count()) > 0, 'at least one lab chart');
    assert.ok((await page.locator('#vitals svg.chart').count()) > 0, 'at least one vitals chart');
    assert.ok((await page.locator('#problems li').count()) > 0, 'problems listed');
    assert.equal(await page.locator('.record-sources').textContent(), 'Sources: Northwind General Hospital');
    await saveScreenshot(page, 'patient-07-record');
    await page.setViewportSize({ width: 390, height: 844 });
    await saveScreenshot(page, 'patient-08-record-phone', false);
    await page.evaluate(() =>
      (globalThis as unknown as BrowserWindow).document.querySelector('#labs')!.scrollIntoView(),
    );
    await saveScreenshot(page, 'patient-08b-record-phone-labs', false);
    await page.setViewportSize({ width: 1100, height: 900 });
    await page.click('#documents a.attachment[href*="/documents/"] >> nth=0');
    await page.waitForSelector('.document-text');
    await saveScreenshot(page, 'patient-09-document');

    await page.goto(`${app.url}/my`);
    assert.equal(await page.locator('.badge.active').textContent(), 'Connected');
    await saveScreenshot(page, 'patient-10-my-hospitals');
    await page.click('a:has-text("Disconnect") >> nth=0');
    await page.click('button:has-text("Yes, disconnect")');
    await page.waitForSelector('.badge.revoked');
    assert.equal(await page.locator('.badge.revoked').textContent(), 'Disconnected');
    await saveScreenshot(page, 'patient-11-disconnected');
    assert.deepEqual(seen.dialogs, []);
    assertOnlyOrigins(seen.requests, [app.url, new URL(app.sandbox.url).origin]);
    const [connection] = await app.services.repos.connections.listAll();
    assert.equal(connection!.status, 'revoked');
    assert.equal(connection!.refresh_token_sealed, null);
    await context.close();
  });

  it('an operator signs in with the api key and sees the connection and its sync runs', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${app.url}/operator`);
    await page.waitForURL(`${app.url}/operator/login`);
    await page.fill('#api-key', 'wrong-key');
    await page.click('button:has-text("Sign in")');
    assert.match((await page.textContent('[role=alert]')) ?? '', /That key is not right/);
    await page.fill('#api-key', app.apiKey);
    await page.click('button:has-text("Sign in")');
    await page.waitForURL(`${app.url}/operator`);
    await saveScreenshot(page, 'operator-01-overview');
    const [connection] = await app.services.repos.connections.listAll();
    await page.click(`a:has-text("${connection!.id}")`);
    const runRows = page.locator('table[aria-label="Sync runs"] tbody tr');
    assert.equal(await runRows.count(), 1);
    assert.match((await runRows.first().textContent()) ?? '', /Finished|Partly finished/);
    assert.ok((await page.locator('table[aria-label="Coverage"] tbody tr').count()) > 0);
    await saveScreenshot(page, 'operator-02-connection');
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'cb_operator')!;
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.ok(!session.value.includes(app.apiKey));
    await context.close();
  });

  it('hostile names, narratives and notes from the EHR render inert and load nothing (case 35)', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    const seen = watchPage(page);
    const username = app.sandbox.data.organization('org-b')!.patients[0]!.username;
    await connectThroughPages(page, {
      appUrl: app.url,
      search: 'lakeside',
      hospital: 'Lakeside Regional Medical Center',
      username,
    });
    await watchFirstSync(page);
    const recordRequests = seen.requests.length;
    await page.goto(`${app.url}/my/record`);
    const body = (await page.textContent('main')) ?? '';
    for (const text of [
      HOSTILE.condition,
      HOSTILE.lab,
      HOSTILE.medication,
      HOSTILE.allergy,
      HOSTILE.encounter,
    ])
      assert.ok(body.includes(text), `shown as text: ${text}`);
    assert.equal(await page.locator('main script, main img, main iframe, main style').count(), 0);
    assert.equal(await page.locator('main svg[onload], main [onerror]').count(), 0);
    assert.equal(await page.locator('a[href^="javascript:"]').count(), 0);
    assert.ok((await page.locator('#labs svg.chart').count()) === 1, 'the hostile lab still charts');
    await saveScreenshot(page, 'hostile-01-record');
    const summaryDoc = page.locator('#documents li').filter({ hasText: 'Summary' }).locator('a.attachment');
    await summaryDoc.first().click();
    await page.waitForSelector('.document-text');
    assert.ok(
      ((await page.textContent('main')) ?? '').includes(HOSTILE.given),
      'the C-CDA names the patient as text',
    );
    await page.goBack();
    const note = page
      .locator('#documents li')
      .filter({ hasText: 'evil.example/doc' })
      .locator('a.attachment');
    await note.click();
    await page.waitForSelector('.document-text');
    const noteText = (await page.textContent('.document-text')) ?? '';
    assert.equal(noteText, 'Clinic note\nPatient is well.\nclick meFollow up in 2 weeks.');
    assert.equal(await page.locator('main iframe, main img, main script, a[href^="javascript:"]').count(), 0);
    await saveScreenshot(page, 'hostile-02-document');
    assert.deepEqual(seen.dialogs, []);
    assertOnlyOrigins(seen.requests.slice(recordRequests), [app.url]);
    assertOnlyOrigins(seen.requests, [app.url, new URL(app.sandbox.url).origin]);
    const csp = (await page.goto(`${app.url}/my/record`))!.headers()['content-security-policy'];
    assert.match(csp!, /^default-src 'none';/);
    assert.doesNotMatch(csp!, /unsafe-inline|unsafe-eval|https?:/);
    await context.close();
  });
});
