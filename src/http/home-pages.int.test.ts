import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startConnectedApp, type ConnectedApp } from '../testing/connected-app.ts';

let app: ConnectedApp;
before(async () => {
  app = await startConnectedApp();
});
after(async () => {
  await app.close();
});

test('home lists the hospitals; its connect button is a CSRF-protected POST leading to the picker', async () => {
  const browser = app.newBrowser();
  const home = await browser.get(`${app.url}/`);
  const html = await home.text();
  assert.equal(home.status, 200);
  assert.ok(html.includes('Northwind General Hospital') || html.includes(app.sandbox.orgs()[0]!.name));
  assert.match(home.headers.get('content-security-policy')!, /default-src 'none'; style-src 'self'/);
  const csrf = /name="csrf" value="([A-Za-z0-9_-]+)"/.exec(html)![1]!;
  assert.equal(browser.cookies.get('cb_csrf'), csrf);

  // Case 29: without the token, with a wrong one, or from another origin: refused, nothing created.
  assert.equal((await browser.post(`${app.url}/connect`, {})).status, 403);
  assert.equal((await browser.post(`${app.url}/connect`, { csrf: `${csrf}x` })).status, 403);
  assert.equal(
    (await browser.post(`${app.url}/connect`, { csrf }, { headers: { origin: 'https://evil.example.net' } }))
      .status,
    403,
  );
  assert.equal(
    (await app.newBrowser().post(`${app.url}/connect`, { csrf })).status,
    403,
    'another browser has no cookie',
  );

  const started = await browser.post(`${app.url}/connect`, { csrf }, { headers: { origin: app.url } });
  assert.equal(started.status, 303);
  const pickerPath = started.headers.get('location')!;
  assert.match(pickerPath, /^\/connect\/[A-Za-z0-9_-]{43}$/);
  const picker = await browser.get(`${app.url}${pickerPath}`);
  const pickerHtml = await picker.text();
  assert.equal(picker.status, 200);
  assert.ok(pickerHtml.includes(`href="${pickerPath}?org=sandbox-org-a"`));
  const filtered = await (await browser.get(`${app.url}${pickerPath}?q=lakeside`)).text();
  assert.ok(!filtered.includes('org=sandbox-org-a'));
  // Following the picker link starts the launch at the EHR.
  const launch = await browser.get(`${app.url}${pickerPath}?org=sandbox-org-a`);
  assert.equal(launch.status, 302);
  assert.ok(launch.headers.get('location')!.startsWith(app.sandbox.orgUrls('org-a').authorize));
});

test('unknown pages are a friendly 404 with the strict headers; unknown API routes are JSON', async () => {
  const page = await fetch(`${app.url}/no/such/page`);
  assert.equal(page.status, 404);
  assert.ok((await page.text()).includes('no such page or api route'));
  assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
  const api = await app.api('/api/nothing-here');
  assert.equal(api.status, 404);
  assert.deepEqual(await api.json(), {
    error: { code: 'ERR_NOT_FOUND', message: 'no such page or api route' },
  });
});
