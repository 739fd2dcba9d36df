/**
 * bench:ui — the web UI's weight and speed for the largest fixture patient (large_merged_Vito_Feeney_5k.json,
 * 5,580 resources): server render time of /my/record (median of 5), HTML and asset bytes per page, and in
 * Chromium (CHARTBRIDGE_TEST_CHROMIUM or /usr/bin/chromium) the record page's first contentful paint.
 */
import { existsSync } from 'node:fs';
import type { BrowserWindow } from '../src/portal/browser/dom.ts';
import { createRandomToken, hashSecret } from '../src/connect/secrets.ts';
import { loadSandboxData } from '../src/sandbox/data/load-data.ts';
import { runSync } from '../src/sync/run-sync.ts';
import { startConnectedApp, type ConnectedApp } from '../src/testing/connected-app.ts';

const ASSETS = ['/assets/connect.css', '/assets/app.css', '/assets/app.js'];

async function main(): Promise<void> {
  const app = await startConnectedApp({ sandboxOptions: { data: await loadSandboxData({ large: true }) } });
  try {
    const cookie = createRandomToken();
    const userId = `browser-${hashSecret(cookie).slice(0, 24)}`;
    const connectionId = await app.connectPatient(userId, { orgId: 'org-b', username: 'vitofeeney2' });
    const syncStart = performance.now();
    const summary = await runSync({ services: app.services, connectionId });
    console.log(
      `synced ${summary.resources} resources in ${((performance.now() - syncStart) / 1000).toFixed(1)} s`,
    );
    const headers = { cookie: `cb_user=${cookie}` };
    const assetBytes = await measureAssets(app);
    const pages = [
      '/',
      '/my',
      '/my/record',
      '/my/record/timeline',
      `/my/connections/${connectionId}/progress`,
    ];
    for (const path of pages) {
      const html = await (await fetch(`${app.url}${path}`, { headers })).text();
      const used = ASSETS.filter((a) => html.includes(`"${a}"`)).reduce((n, a) => n + assetBytes.get(a)!, 0);
      console.log(
        `${label(path).padEnd(16)} html ${kb(html.length)}  assets ${kb(used)}  total ${kb(html.length + used)}`,
      );
    }
    const times: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const start = performance.now();
      await (await fetch(`${app.url}/my/record`, { headers })).text();
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    console.log(
      `record page server render + transfer: median ${times[2]!.toFixed(0)} ms (min ${times[0]!.toFixed(0)}, max ${times[4]!.toFixed(0)})`,
    );
    await measureFirstPaint(app, cookie);
  } finally {
    await app.close();
  }
}

async function measureAssets(app: ConnectedApp): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  for (const asset of ASSETS)
    sizes.set(asset, (await (await fetch(`${app.url}${asset}`)).arrayBuffer()).byteLength);
  return sizes;
}

async function measureFirstPaint(app: ConnectedApp, cookie: string): Promise<void> {
  const executablePath =
    process.env.CHARTBRIDGE_TEST_CHROMIUM ??
    (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
  if (!executablePath) return console.log('chromium not found: first paint not measured');
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  try {
    const context = await browser.newContext();
    await context.addCookies([{ name: 'cb_user', value: cookie, url: app.url }]);
    const paints: number[] = [];
    let page = await context.newPage();
    for (let i = 0; i < 3; i += 1) {
      // A fresh page each time: Chromium reports first-contentful-paint once per page.
      if (i > 0) await page.close();
      if (i > 0) page = await context.newPage();
      await page.goto(`${app.url}/my/record`, { waitUntil: 'load' });
      paints.push(
        await page.evaluate(
          () =>
            new Promise<number>((resolve) => {
              // The paint entry can land after 'load': wait for it (buffered), give up after 5 s.
              new PerformanceObserver((list) => {
                const paint = list.getEntriesByName('first-contentful-paint')[0];
                if (paint) resolve(paint.startTime);
              }).observe({ type: 'paint' as never, buffered: true }); // a browser entry type Node's types lack
              setTimeout(() => resolve(-1), 5000);
            }),
        ),
      );
    }
    const nodes = await page.evaluate(
      () => (globalThis as unknown as BrowserWindow).document.querySelectorAll('*').length,
    );
    console.log(
      `record page in Chromium: first contentful paint ${paints.map((p) => `${p.toFixed(0)} ms`).join(', ')}; ${nodes} DOM elements`,
    );
  } finally {
    await browser.close();
  }
}

function label(path: string): string {
  return path.startsWith('/my/connections/')
    ? 'progress'
    : path === '/'
      ? 'home'
      : path.replace('/my/record/', 'record/');
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1).padStart(6)} KB`;
}

await main();
