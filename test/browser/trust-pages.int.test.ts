// Page functions run in Chromium: they see the DOM.
/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startInProcessWorker } from '../../src/jobs/start-worker.ts';
import type { WorkerRuntime } from '../../src/jobs/worker-process.ts';
import { loadSandboxData } from '../../src/sandbox/data/load-data.ts';
import { patientFixturesDir } from '../../src/sandbox/fixtures-dir.ts';
import { createSyncRunsRepository } from '../../src/store/sync-runs-repository.ts';
import { startConnectedApp, type ConnectedApp } from '../../src/testing/connected-app.ts';
import { waitFor } from '../../src/testing/wait-for.ts';
import { connectThroughPages, launchChromium, saveScreenshot, skipWithoutChromium } from './browser-kit.ts';

const WIDTHS = [1280, 390] as const;

/** What every chartbridge page must get right, measured in Chromium at a desktop and a phone width. */
async function checkPage(page: Page, area: 'patient' | 'operator', name: string): Promise<void> {
  const facts = await page.evaluate(() => {
    const badges = [...document.querySelectorAll<HTMLElement>('.badge')].map((badge) => {
      const style = getComputedStyle(badge);
      const line = parseFloat(style.fontSize) * 1.5;
      const chrome = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
      return { text: badge.textContent, oneLine: badge.getBoundingClientRect().height <= line + chrome };
    });
    const tables = [...document.querySelectorAll<HTMLElement>('table')].map((table) => ({
      label: table.getAttribute('aria-label') ?? table.querySelector('th')?.textContent,
      fits: table.scrollWidth <= (table.parentElement?.clientWidth ?? 0) + 1,
    }));
    // A word laid out on more than one line was broken mid-word ("ac/ti/v/e", "2027-/12-05"). Ids, URLs and codes may.
    const brokenWords: string[] = [];
    for (const cell of document.querySelectorAll<HTMLElement>(
      'td, th, dd, .badge, .item-meta, .source, h1',
    )) {
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.parentElement?.closest('code')) continue;
        for (const match of (node.textContent ?? '').matchAll(/\S+/g)) {
          const word = match[0];
          const hyphenated = /[–-]/.test(word) && !/\d{4}-\d{2}-\d{2}/.test(word);
          if (word.length > 24 || /[/:@_.=]/.test(word) || hyphenated) continue;
          const range = document.createRange();
          range.setStart(node, match.index!);
          range.setEnd(node, match.index! + word.length);
          const lines = new Set(
            [...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)),
          );
          if (lines.size > 1) brokenWords.push(word);
        }
      }
    }
    return {
      brokenWords,
      compatMode: document.compatMode,
      pageFits: document.documentElement.scrollWidth <= document.documentElement.clientWidth,
      nav: [...document.querySelectorAll('header nav a, header nav button')].map((a) =>
        a.textContent?.trim(),
      ),
      footer: [...document.querySelectorAll('footer a')].map((a) => a.getAttribute('href')),
      badges,
      tables,
    };
  });
  assert.equal(facts.compatMode, 'CSS1Compat', `${name}: standards mode (a doctype)`);
  assert.ok(facts.pageFits, `${name}: no sideways scrolling`);
  assert.deepEqual(
    facts.nav,
    area === 'patient' ? ['Home', 'My hospitals', 'My record'] : ['Overview', 'Sign out'],
    `${name}: navigation`,
  );
  assert.deepEqual(facts.footer, ['/terms', '/privacy'], `${name}: legal links`);
  for (const badge of facts.badges) assert.ok(badge.oneLine, `${name}: badge "${badge.text}" on one line`);
  for (const table of facts.tables) assert.ok(table.fits, `${name}: table "${table.label}" fits the screen`);
  assert.deepEqual(facts.brokenWords, [], `${name}: no word broken across lines`);
}

/** Opens `path` at both widths, checks it, and saves a screenshot of each. */
async function visit(page: Page, url: string, area: 'patient' | 'operator', name: string): Promise<void> {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    if (page.url() !== url) await page.goto(url);
    await saveScreenshot(page, `trust-${name}-${width}`);
    await checkPage(page, area, `${name} at ${width}px`);
  }
}

describe('pages a patient and an operator can trust, in Chromium', { skip: skipWithoutChromium }, () => {
  let app: ConnectedApp;
  let worker: WorkerRuntime;
  let browser: Browser;
  let dataDir: string;
  let patient: BrowserContext;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chartbridge-trust-data-'));
    copyFileSync(
      join(patientFixturesDir, 'Dennis_Durgan_78f005f3-7b33-4a5b-84d9-28417b36dbab.json'),
      join(dataDir, 'a-dennis.json'),
    );
    const data = await loadSandboxData({ folders: [dataDir] });
    app = await startConnectedApp({ sandboxOptions: { autoApprove: false, data } });
    worker = await startInProcessWorker(app.services, { schedule: false });
    browser = await launchChromium();
    patient = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  });
  after(async () => {
    await browser?.close();
    await worker?.stop();
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('before connecting: doctype, navigation, legal pages, and an empty record that offers to connect', async () => {
    const page = await patient.newPage();
    await visit(page, `${app.url}/`, 'patient', 'home');
    await visit(page, `${app.url}/terms`, 'patient', 'terms');
    assert.match((await page.textContent('main')) ?? '', /This service is operated by 127\.0\.0\.1:\d+\./);
    await visit(page, `${app.url}/privacy`, 'patient', 'privacy');
    await visit(page, `${app.url}/my`, 'patient', 'my-hospitals-empty');
    await visit(page, `${app.url}/my/record`, 'patient', 'record-empty');
    await page.click('main button:has-text("Connect a hospital")');
    await page.waitForSelector('#hospital-search');
    assert.ok(page.url().startsWith(`${app.url}/connect/`), 'the empty record connects in one click');
    const picker = page.url();
    await visit(page, picker, 'patient', 'picker');
    await visit(page, `${picker}/about?org=sandbox-org-a`, 'patient', 'connect-explainer');
    assert.equal(await page.locator('main a[href="/terms"]').count(), 1, 'the explainer links the terms');
    assert.equal(await page.locator('main a[href="/privacy"]').count(), 1, 'and the privacy notice');
    await page.close();
  });

  it('the progress page follows the first sync even when another one ran after it, then says it ended', async () => {
    const page = await patient.newPage();
    await connectThroughPages(page, {
      appUrl: app.url,
      search: 'northw',
      hospital: 'Northwind General Hospital',
      username: 'dennisdurgan',
      shots: 'trust-connect',
    });
    await visit(page, page.url(), 'patient', 'connected');
    const [connection] = await app.services.repos.connections.listAll();
    const runs = createSyncRunsRepository(app.services.store.db);
    const finished = async (n: number) => {
      const list = await runs.listRuns(connection!.id, 10);
      return list.length === n && list.every((r) => r.status === 'succeeded') ? list : undefined;
    };
    await waitFor(() => finished(1), { timeoutMs: 60_000, what: 'the first sync' });
    // What the scheduler's safety net does when it sees a connection before its first sync ends.
    await app.services.jobs.send('sync', { connectionId: connection!.id });
    const [second, first] = await waitFor(() => finished(2), { timeoutMs: 60_000, what: 'the second sync' });
    assert.ok(Number(first!.resources) > 50 && Number(second!.resources) < 10);

    await page.click('a:has-text("Watch my record arrive")');
    await page.waitForSelector('[data-progress-done]:not([hidden])');
    assert.equal(
      await page.textContent('[data-progress-text]'),
      `Your record is up to date: ${first!.resources} items read.`,
    );
    assert.equal(
      await page.textContent('h1'),
      'Your record from Northwind General Hospital is up to date',
      'the heading no longer says "Updating"',
    );
    assert.equal(
      await page.locator('[data-progress-leave]').isHidden(),
      true,
      'no "you can leave" after the end',
    );
    await visit(page, page.url(), 'patient', 'progress');
    await visit(page, `${app.url}/my/record`, 'patient', 'record');
    assert.ok(((await page.textContent('#vitals')) ?? '').includes('mmHg'), 'units for people');
    assert.ok(!((await page.textContent('main')) ?? '').includes('mm[Hg]'));
    await visit(page, `${app.url}/my`, 'patient', 'my-hospitals');
    assert.equal(await page.locator('.badge.active').textContent(), 'Connected');
    await visit(page, `${app.url}/my/record/problems`, 'patient', 'record-problems');
    await visit(page, `${app.url}/my/record/documents`, 'patient', 'record-documents');
    const documentHref = await page.locator('main a.attachment').first().getAttribute('href');
    await visit(page, `${app.url}${documentHref}`, 'patient', 'record-document');
    await visit(page, `${app.url}/my/coverage`, 'patient', 'coverage');
    await visit(
      page,
      `${app.url}/my/connections/${connection!.id}/disconnect`,
      'patient',
      'confirm-disconnect',
    );
    await page.close();
  });

  it('the operator pages fit a phone, keep badges whole, and erasing asks first', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${app.url}/operator/login`);
    assert.equal(await page.evaluate(() => document.compatMode), 'CSS1Compat');
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      await saveScreenshot(page, `trust-operator-login-${width}`);
    }
    await page.fill('#api-key', app.apiKey);
    await page.click('button:has-text("Sign in")');
    await page.waitForURL(`${app.url}/operator`);
    await visit(page, `${app.url}/operator`, 'operator', 'operator-overview');
    const [connection] = await app.services.repos.connections.listAll();
    const connectionUrl = `${app.url}/operator/connections/${connection!.id}`;
    await visit(page, connectionUrl, 'operator', 'operator-connection');
    await visit(page, `${app.url}/operator/doctor`, 'operator', 'operator-doctor');
    await visit(page, `${connectionUrl}/disconnect`, 'operator', 'operator-confirm-disconnect');
    await visit(page, `${connectionUrl}/erase`, 'operator', 'operator-confirm-erase');
    assert.equal(
      await page.textContent('h1'),
      "Erase this connection's data from Northwind General Hospital?",
    );
    assert.equal(await page.textContent('main p.muted code'), connection!.id);
    await page.click('a:has-text("Cancel")');
    await page.waitForURL(connectionUrl);
    assert.ok((await page.locator('table[aria-label="Sync runs"] tbody tr').count()) > 0, 'nothing erased');
    await context.close();
  });
  it('"Disconnect and delete my data" asks first, and its confirm page works without JavaScript', async () => {
    const noScript = await browser.newContext({
      javaScriptEnabled: false,
      viewport: { width: 1280, height: 900 },
    });
    await noScript.addCookies(await patient.cookies());
    const page = await noScript.newPage();
    const [connection] = await app.services.repos.connections.listAll();
    const countStored = async () =>
      (
        await app.services.store.db
          .selectFrom('resources')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('connection_id', '=', connection!.id)
          .executeTakeFirstOrThrow()
      ).n;
    const before = Number(await countStored());
    await page.goto(`${app.url}/my`);
    await page.click('a:has-text("Disconnect and delete my data")');
    await page.waitForURL(`${app.url}/my/connections/${connection!.id}/delete`);
    assert.equal(await page.textContent('h1'), 'Delete your data from Northwind General Hospital?');
    assert.equal(Number(await countStored()), before, 'the confirm page deleted nothing');
    await visit(page, page.url(), 'patient', 'confirm-delete');
    await page.click('a:has-text("Cancel")');
    await page.waitForURL(`${app.url}/my`);
    assert.equal(Number(await countStored()), before);
    await page.click('a:has-text("Disconnect and delete my data")');
    await page.click('button:has-text("Yes, disconnect and delete my data")');
    await page.waitForURL(`${app.url}/my`);
    assert.equal(Number(await countStored()), 0);
    assert.equal(await page.locator('.badge.revoked').textContent(), 'Disconnected');
    await noScript.close();
  });
});
