import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRandomToken, hashSecret } from '../../connect/secrets.ts';
import type { DialectName } from '../../store/database.ts';
import { runSync } from '../../sync/run-sync.ts';
import { startConnectedApp, type ConnectedApp } from '../../testing/connected-app.ts';
import { testDialects } from '../../testing/databases.ts';
import type { TestBrowser } from '../../testing/test-browser.ts';

/** Every destructive action asks first: its GET is a confirm page that changes nothing; its form's POST acts. */
for (const dialect of testDialects) describeConfirmations(dialect);

function describeConfirmations(dialect: DialectName): void {
  describe(`confirm pages before destructive actions (${dialect})`, () => {
    let app: ConnectedApp;
    let owner: TestBrowser;

    before(async () => {
      app = await startConnectedApp({ dialect });
      const secret = createRandomToken();
      owner = app.newBrowser();
      owner.cookies.set('cb_user', secret);
    });
    after(() => app?.close());

    const connectSynced = async (userId: string) => {
      const id = await app.connectPatient(userId);
      await runSync({ services: app.services, connectionId: id });
      return id;
    };
    const ownerId = () => `browser-${hashSecret(owner.cookies.get('cb_user')!).slice(0, 24)}`;
    const stored = async (connectionId: string) => {
      const { n } = await app.services.store.db
        .selectFrom('resources')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('connection_id', '=', connectionId)
        .executeTakeFirstOrThrow();
      return Number(n);
    };

    it('my hospitals links to the confirm pages; no form on it deletes or disconnects', async () => {
      const id = await connectSynced(ownerId());
      const html = await (await owner.get(`${app.url}/my`)).text();
      assert.ok(html.includes(`<a class="button secondary" href="/my/connections/${id}/disconnect">`));
      assert.ok(html.includes(`<a class="button danger" href="/my/connections/${id}/delete">`));
      assert.doesNotMatch(html, /<form[^>]*action="[^"]*\/(delete|disconnect)"/);
    });

    it('"disconnect and delete my data" says what will happen, changes nothing, and its form does it', async () => {
      const id = await connectSynced(ownerId());
      const items = await stored(id);
      assert.ok(items > 0);
      const page = await owner.get(`${app.url}/my/connections/${id}/delete`);
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /^<!DOCTYPE html>/);
      assert.match(html, /<h1>Delete your data from Northwind General Hospital\?<\/h1>/);
      assert.ok(
        html.includes(
          `The copy kept here is deleted: ${items} items, its documents and its update history. This cannot be undone.`,
        ),
      );
      const csrf = owner.cookies.get('cb_csrf')!;
      assert.ok(html.includes(`<form method="post" action="/my/connections/${id}/delete" class="actions">`));
      assert.ok(html.includes(`<input type="hidden" name="csrf" value="${csrf}"/>`));
      assert.ok(html.includes('Yes, disconnect and delete my data'));
      assert.ok(html.includes('<a class="button secondary" href="/my">Cancel</a>'));
      assert.equal(await stored(id), items, 'showing the confirm page deletes nothing');
      assert.equal((await app.services.repos.connections.findById(id))!.status, 'active');

      const stranger = app.newBrowser();
      stranger.cookies.set('cb_user', createRandomToken());
      assert.equal((await stranger.get(`${app.url}/my/connections/${id}/delete`)).status, 404);
      const forged = await owner.post(`${app.url}/my/connections/${id}/delete`, { csrf: 'x'.repeat(43) });
      assert.equal(forged.status, 403);
      assert.equal(await stored(id), items);

      const done = await owner.post(`${app.url}/my/connections/${id}/delete`, { csrf });
      assert.equal(done.status, 303);
      assert.equal(done.headers.get('location'), '/my');
      assert.equal(await stored(id), 0);
      assert.equal((await app.services.repos.connections.findById(id))!.status, 'revoked');
    });

    it('"disconnect" asks first and keeps the copy; its form revokes', async () => {
      const id = await connectSynced(ownerId());
      const html = await (await owner.get(`${app.url}/my/connections/${id}/disconnect`)).text();
      assert.match(html, /<h1>Disconnect Northwind General Hospital\?<\/h1>/);
      assert.match(
        html,
        /The copy kept here \(\d+ items\) is deleted automatically 30 days after you disconnect; you can delete it sooner from My hospitals\./,
      );
      assert.equal((await app.services.repos.connections.findById(id))!.status, 'active');
      const csrf = owner.cookies.get('cb_csrf')!;
      assert.equal((await owner.post(`${app.url}/my/connections/${id}/disconnect`, { csrf })).status, 303);
      assert.equal((await app.services.repos.connections.findById(id))!.status, 'revoked');
      assert.ok((await stored(id)) > 0, 'disconnect keeps the copy');
    });

    it('the operator disconnects and erases a connection through confirm pages only', async () => {
      const id = await connectSynced(`user-${createRandomToken().slice(0, 8)}`);
      const items = await stored(id);
      const operator = app.newBrowser();
      assert.equal((await operator.get(`${app.url}/operator/connections/${id}/erase`)).status, 303);
      await operator.post(`${app.url}/operator/login`, { apiKey: app.apiKey });
      const connectionPage = await (await operator.get(`${app.url}/operator/connections/${id}`)).text();
      assert.ok(connectionPage.includes(`href="/operator/connections/${id}/erase"`));
      assert.ok(connectionPage.includes(`href="/operator/connections/${id}/disconnect"`));

      const confirm = await operator.get(`${app.url}/operator/connections/${id}/erase`);
      assert.equal(confirm.status, 200);
      const html = await confirm.text();
      assert.ok(
        html.includes(
          `<h1>Erase this connection&#39;s data from Northwind General Hospital?</h1><p class="muted"><code>${id}</code></p>`,
        ),
      );
      assert.ok(
        html.includes(
          `Every stored item (${items}), binary and sync run of this connection is deleted. This cannot be undone.`,
        ),
      );
      assert.ok(
        html.includes(`<form method="post" action="/operator/connections/${id}/erase" class="actions">`),
      );
      assert.equal(await stored(id), items, 'the confirm page erases nothing');

      const foreign = await operator.post(
        `${app.url}/operator/connections/${id}/erase`,
        {},
        { headers: { origin: 'https://evil.example' } },
      );
      assert.equal(foreign.status, 403);
      assert.equal(await stored(id), items);
      assert.equal(
        (await app.newBrowser().post(`${app.url}/operator/connections/${id}/erase`, {})).status,
        303,
      );
      assert.equal(await stored(id), items, 'no session, no erase');

      const erased = await operator.post(`${app.url}/operator/connections/${id}/erase`, {});
      assert.equal(erased.status, 303);
      assert.equal(erased.headers.get('location'), `/operator/connections/${id}`);
      assert.equal(await stored(id), 0);
      const row = await app.services.repos.connections.findById(id);
      assert.equal(row!.status, 'revoked');
      assert.equal(row!.refresh_token_sealed, null);
    });

    it('the operator disconnect keeps the data', async () => {
      const id = await connectSynced(`user-${createRandomToken().slice(0, 8)}`);
      const operator = app.newBrowser();
      await operator.post(`${app.url}/operator/login`, { apiKey: app.apiKey });
      const html = await (await operator.get(`${app.url}/operator/connections/${id}/disconnect`)).text();
      assert.match(
        html,
        /No more syncs; the \d+ stored item\(s\) are erased automatically after 30 days \(CHARTBRIDGE_REVOKED_DATA_DAYS\), or at once with Erase\./,
      );
      assert.equal((await operator.post(`${app.url}/operator/connections/${id}/disconnect`, {})).status, 303);
      assert.equal((await app.services.repos.connections.findById(id))!.status, 'revoked');
      assert.ok((await stored(id)) > 0);
    });
  });
}
