import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRandomToken, hashSecret } from '../../connect/secrets.ts';
import { runSync } from '../../sync/run-sync.ts';
import { startConnectedApp, type ConnectedApp } from '../../testing/connected-app.ts';
import type { DialectName } from '../../store/database.ts';
import { testDialects } from '../../testing/databases.ts';
import type { TestBrowser } from '../../testing/test-browser.ts';

/** The patient and operator pages over plain HTTP: who may see what, downloads, limits, sign-in, delete. */
for (const dialect of testDialects) describePages(dialect);

function describePages(dialect: DialectName): void {
  describe(`patient and operator pages (${dialect})`, () => {
    let app: ConnectedApp;
    let owner: TestBrowser;
    let connectionId: string;
    let secondId: string;

    before(async () => {
      app = await startConnectedApp({ dialect });
      const secret = createRandomToken();
      const userId = `browser-${hashSecret(secret).slice(0, 24)}`;
      connectionId = await app.connectPatient(userId);
      await runSync({ services: app.services, connectionId });
      // The same person at a second hospital: the record shows both, side by side.
      secondId = await app.connectPatient(userId, { orgId: 'org-b' });
      await runSync({ services: app.services, connectionId: secondId });
      owner = app.newBrowser();
      owner.cookies.set('cb_user', secret);
    });
    after(() => app?.close());

    it("shows a browser only its own connections; another browser's id is a 404", async () => {
      const mine = await owner.get(`${app.url}/my`);
      assert.equal(mine.status, 200);
      assert.match(await mine.text(), /Northwind General Hospital[\s\S]*Connected/);
      const stranger = app.newBrowser();
      stranger.cookies.set('cb_user', createRandomToken());
      assert.match(
        await (await stranger.get(`${app.url}/my`)).text(),
        /No hospital connected in this browser yet/,
      );
      for (const browser of [stranger, app.newBrowser()]) {
        for (const path of ['progress', 'events', 'documents/x']) {
          const response = await browser.get(`${app.url}/my/connections/${connectionId}/${path}`);
          assert.equal(response.status, 404, path);
        }
      }
      const both = await (await owner.get(`${app.url}/my/record`)).text();
      assert.ok(both.includes('Sources: Lakeside Regional Medical Center, Northwind General Hospital'));
      for (const hospital of ['Lakeside Regional Medical Center', 'Northwind General Hospital'])
        assert.ok(both.includes(`<span class="source">${hospital}</span>`), hospital);
      const timeline = await owner.get(`${app.url}/my/record/timeline`);
      assert.equal(timeline.status, 200);
      const timelineHtml = await timeline.text();
      assert.match(timelineHtml, /<h1>Encounters and procedures<\/h1>/);
      const count = Number(/Encounters and procedures <span class="count">\((\d+)\)/.exec(timelineHtml)![1]);
      assert.equal(timelineHtml.match(/<li class="item/g)!.length, count);
      for (const bad of ['nope', 'constructor', '__proto__'])
        assert.equal((await owner.get(`${app.url}/my/record/${bad}`)).status, 404, bad);
      const record = await stranger.get(`${app.url}/my/record`);
      assert.match(await record.text(), /Nothing here yet/);
    });

    it('shows a C-CDA as text and downloads it as opaque bytes with nosniff', async () => {
      const row = await app.services.store.db
        .selectFrom('binaries')
        .select(['binary_id', 'content_type'])
        .where('connection_id', '=', connectionId)
        .where('content_type', '=', 'application/xml')
        .executeTakeFirstOrThrow();
      const base = `${app.url}/my/connections/${connectionId}/documents/${row.binary_id}`;
      const page = await owner.get(base);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type')!, /^text\/html/);
      assert.match(await page.text(), /<div class="document-text">/);
      const download = await owner.get(`${base}?download=1`);
      assert.equal(download.status, 200);
      assert.equal(download.headers.get('content-type'), 'application/octet-stream');
      assert.equal(download.headers.get('content-disposition'), `attachment; filename="${row.binary_id}"`);
      assert.equal(download.headers.get('x-content-type-options'), 'nosniff');
      assert.match(await download.text(), /<ClinicalDocument/);
    });

    it('answers the public hospital search with public fields only, limits its input and its rate', async () => {
      const response = await fetch(`${app.url}/directory/search?q=northwind`);
      assert.equal(response.status, 200);
      const body = (await response.json()) as { results: Record<string, unknown>[] };
      assert.equal(body.results.length, 1);
      assert.deepEqual(Object.keys(body.results[0]!).sort(), ['city', 'name', 'organizationId', 'state']);
      assert.equal((await fetch(`${app.url}/directory/search?q=${'a'.repeat(101)}`)).status, 400);
      const statuses: number[] = [];
      for (let i = 0; i < 60; i += 1) statuses.push((await fetch(`${app.url}/directory/search?q=x`)).status);
      assert.ok(statuses.includes(429), 'the 61st search within 10 s is refused');
    });

    it('signs the operator in with the api key only, into a strict session cookie', async () => {
      const operator = app.newBrowser();
      const closed = await operator.get(`${app.url}/operator`);
      assert.equal(closed.status, 303);
      assert.equal(closed.headers.get('location'), '/operator/login');
      assert.equal((await operator.post(`${app.url}/operator/login`, { apiKey: 'nope' })).status, 401);
      const foreign = await operator.post(
        `${app.url}/operator/login`,
        { apiKey: app.apiKey },
        { headers: { origin: 'https://evil.example' } },
      );
      assert.equal(foreign.status, 403);
      const signedIn = await operator.post(`${app.url}/operator/login`, { apiKey: app.apiKey });
      assert.equal(signedIn.status, 303);
      const cookie = signedIn.headers.get('set-cookie')!;
      assert.match(
        cookie,
        /^cb_operator=\d+\.[A-Za-z0-9_-]{43}; Max-Age=28800; Path=\/operator; HttpOnly; SameSite=Strict$/,
      );
      // The EHR answered invalid_client for the second hospital: an alert under its organisation.
      await app.services.repos.connections.setStatus(
        secondId,
        'key_error',
        'invalid_client',
        app.services.clock.now(),
      );
      const overview = await operator.get(`${app.url}/operator`);
      assert.equal(overview.status, 200);
      const html = await overview.text();
      assert.ok(html.includes(connectionId));
      assert.ok(
        html.includes(
          '<tr><td data-label="Organisation">Lakeside Regional Medical Center</td>' +
            '<td data-label="invalid_client (check keys / client id)">1</td>' +
            '<td data-label="Needs the patient back">0</td></tr>',
        ),
        'alert row',
      );
      await app.services.repos.connections.setStatus(secondId, 'active', null, app.services.clock.now());
      const forged = app.newBrowser();
      forged.cookies.set('cb_operator', `${Date.now() + 60_000}.${'A'.repeat(43)}`);
      assert.equal((await forged.get(`${app.url}/operator`)).status, 303);
    });

    it('reconnects through a fresh session and the "before you connect" page of the same hospital', async () => {
      await owner.get(`${app.url}/my`);
      const csrf = owner.cookies.get('cb_csrf')!;
      const started = await owner.post(`${app.url}/my/connections/${connectionId}/reconnect`, { csrf });
      assert.equal(started.status, 303);
      const location = started.headers.get('location')!;
      assert.match(location, /^\/connect\/[A-Za-z0-9_-]{43}\/about\?org=sandbox-org-a$/);
      const about = await owner.get(`${app.url}${location}`);
      assert.equal(about.status, 200);
      const html = await about.text();
      assert.match(html, /<h1>Before you connect Northwind General Hospital<\/h1>/);
      assert.ok(html.includes(`href="${location.replace('/about', '')}"`), 'continue goes to the launch');
      assert.equal(
        (await owner.get(`${app.url}${location.replace('org=sandbox-org-a', 'org=nope')}`)).status,
        404,
      );
    });

    it('deletes the patient data only with the form token, then keeps the connection revoked', async () => {
      const refused = await owner.post(`${app.url}/my/connections/${connectionId}/delete`, {
        csrf: 'x'.repeat(43),
      });
      assert.equal(refused.status, 403);
      await owner.get(`${app.url}/my`);
      const csrf = owner.cookies.get('cb_csrf')!;
      const deleted = await owner.post(`${app.url}/my/connections/${connectionId}/delete`, { csrf });
      assert.equal(deleted.status, 303);
      assert.equal(deleted.headers.get('location'), '/my');
      const db = app.services.store.db;
      for (const table of ['resources', 'binaries', 'sync_runs'] as const) {
        const { n } = await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('connection_id', '=', connectionId)
          .executeTakeFirstOrThrow();
        assert.equal(Number(n), 0, table);
      }
      const row = await app.services.repos.connections.findById(connectionId);
      assert.equal(row!.status, 'revoked');
      assert.equal(row!.refresh_token_sealed, null);
    });
  });
}
