import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startConnectedApp, type ConnectedApp } from '../testing/connected-app.ts';
import { testDialects } from '../testing/databases.ts';

for (const dialect of testDialects) {
  describe(`callback attacks (${dialect})`, () => {
    let app: ConnectedApp;
    const bodies: string[] = [];
    before(async () => {
      app = await startConnectedApp({ dialect });
    });
    after(async () => {
      await app.assertNoSecretsLeaked(bodies);
      await app.close();
    });

    const codeCalls = () => app.sandbox.tokens.tokenEndpointCalls().authorization_code;

    async function expectRefused(response: Response, status: number, text: string) {
      const body = await response.text();
      bodies.push(body);
      assert.equal(response.status, status, body.slice(0, 300));
      assert.ok(body.includes(text), `page should say: ${text}`);
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    }

    test('case 1: missing, unknown, already used and other-browser state → 400, no token request', async () => {
      const { browser, callbackUrl } = await app.beginLaunch('case1');
      const before = codeCalls();
      const code = new URL(callbackUrl).searchParams.get('code')!;
      const stateError =
        'this sign-in link is unknown, expired, already used or was started in another browser';
      await expectRefused(
        await browser.get(`${app.url}/callback?code=${encodeURIComponent(code)}`),
        400,
        stateError,
      );
      await expectRefused(
        await browser.get(`${app.url}/callback?code=x&state=unknown-state-value`),
        400,
        stateError,
      );
      await expectRefused(await app.newBrowser().get(callbackUrl), 400, stateError);
      assert.equal(codeCalls(), before, 'no token request for a refused callback');
      // The rightful browser can still finish (another browser's attempt did not consume the launch) — once.
      const done = await browser.get(callbackUrl);
      assert.equal(done.status, 303);
      await expectRefused(await browser.get(callbackUrl), 400, stateError);
      assert.equal(codeCalls(), before + 1);
    });

    test('case 1: an expired launch is refused without a token request', async () => {
      const { browser, callbackUrl } = await app.beginLaunch('case1-expired');
      const state = new URL(callbackUrl).searchParams.get('state')!;
      const { hashSecret } = await import('./secrets.ts');
      const launch = await app.services.repos.launches.findByStateHash(hashSecret(state));
      await app.services.store.db
        .updateTable('launches')
        .set({ expires_at: Date.now() - 1 })
        .where('id', '=', launch!.id)
        .execute();
      const before = codeCalls();
      await expectRefused(
        await browser.get(callbackUrl),
        400,
        'already used or was started in another browser',
      );
      assert.equal(codeCalls(), before);
    });

    test('case 2: error=access_denied with a hostile description → friendly page, escaped, launch closed', async () => {
      const { browser, callbackUrl } = await app.beginLaunch('case2');
      const state = new URL(callbackUrl).searchParams.get('state')!;
      const iss = new URL(callbackUrl).searchParams.get('iss');
      const hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>';
      const query = new URLSearchParams({
        error: 'access_denied',
        error_description: hostile,
        state,
        ...(iss ? { iss } : {}),
      });
      const response = await browser.get(`${app.url}/callback?${query}`);
      const body = await response.text();
      assert.equal(response.status, 400);
      assert.ok(body.includes('The connection was not approved'));
      assert.ok(body.includes('the hospital did not authorise the connection (access_denied)'));
      assert.ok(!body.includes('<script>alert(1)'), 'description must be escaped');
      assert.ok(body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
      assert.equal(response.headers.get('content-security-policy')?.includes("default-src 'none'"), true);
      const { hashSecret } = await import('./secrets.ts');
      const launch = await app.services.repos.launches.findByStateHash(hashSecret(state));
      assert.notEqual(launch!.used_at, null);
      assert.equal(launch!.outcome, 'ERR_AUTHORIZATION_DENIED');
      // The real code from that launch can no longer be redeemed through us.
      await expectRefused(await browser.get(callbackUrl), 400, 'already used');
    });

    test('case 3: repeated or control-character parameters → 400 before anything is sent', async () => {
      const { browser, callbackUrl } = await app.beginLaunch('case3');
      const before = codeCalls();
      await expectRefused(await browser.get(`${callbackUrl}&state=again`), 400, 'the callback repeats');
      await expectRefused(
        await browser.get(`${callbackUrl}&x=%00`),
        400,
        'contains control or non-ascii characters',
      );
      assert.equal(codeCalls(), before);
      assert.equal((await browser.get(callbackUrl)).status, 303, 'the launch was not consumed by bad input');
    });

    test('case 4: an iss that differs, or is missing where advertised → refused before the code is redeemed', async () => {
      const [orgA] = app.sandbox.orgs();
      app.sandbox.auth.setResponseIss(orgA!.id, { mode: 'value', value: 'https://evil.example.net/oauth2' });
      try {
        const wrong = await app.beginLaunch('case4-wrong');
        const before = codeCalls();
        await expectRefused(
          await wrong.browser.get(wrong.callbackUrl),
          400,
          'iss&#39; does not match the launch&#39;s issuer',
        );
        app.sandbox.auth.setResponseIss(orgA!.id, { mode: 'omit' });
        const missing = await app.beginLaunch('case4-missing');
        assert.equal(new URL(missing.callbackUrl).searchParams.get('iss'), null);
        await expectRefused(await missing.browser.get(missing.callbackUrl), 400, 'iss&#39; does not match');
        assert.equal(codeCalls(), before);
      } finally {
        app.sandbox.auth.setResponseIss(orgA!.id, { mode: 'issuer' });
      }
    });

    test("case 29: an attacker's callback URL opened in the victim's browser attaches nothing", async () => {
      const attacker = await app.beginLaunch('attacker', {
        username: app.sandbox.data.organization(app.sandbox.orgs()[0]!.id)!.patients[1]!.username,
      });
      const victim = app.newBrowser();
      // The victim has a session of their own in progress: it does not make the attacker's state theirs.
      await app.beginLaunch('victim', { browser: victim });
      await expectRefused(await victim.get(attacker.callbackUrl), 400, 'started in another browser');
      const victimConnections = await app.api('/api/users/victim/connections');
      assert.deepEqual(await victimConnections.json(), { connections: [] });
      // Starting a launch needs the unguessable session token: a made-up one is refused.
      await expectRefused(
        await victim.get(`${app.url}/connect/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA?org=sandbox-org-a`),
        404,
        'this connect link is unknown',
      );
    });

    test('case 30: a code from another transaction fails (its PKCE verifier is not ours)', async () => {
      const browser = app.newBrowser();
      const first = await app.beginLaunch('case30', { browser });
      const second = await app.beginLaunch('case30', { browser });
      const injected = new URL(second.callbackUrl);
      injected.searchParams.set('code', new URL(first.callbackUrl).searchParams.get('code')!);
      const response = await browser.get(injected.toString());
      await expectRefused(response, 409, 'rejected the grant (invalid_grant)');
      assert.deepEqual(await (await app.api('/api/users/case30/connections')).json(), { connections: [] });
    });

    test('case 31: the code goes only to the token endpoint stored with the launch', async () => {
      const [orgA, orgB] = app.sandbox.orgs();
      const { browser, callbackUrl } = await app.beginLaunch('case31');
      // Discovery changes after the launch started (same origin, another organisation's token endpoint).
      app.sandbox.auth.overrideDiscovery(orgA!.id, { token_endpoint: app.sandbox.orgUrls(orgB!.id).token });
      app.services.smart.discovery.forget(orgA!.fhirBase);
      try {
        app.sandbox.requestLog.clear();
        assert.equal((await browser.get(callbackUrl)).status, 303);
        const tokenCalls = app.sandbox.requestLog.entries().filter((e) => e.url.includes('/oauth2/token'));
        assert.deepEqual(
          tokenCalls.map((e) => new URL(e.url, app.sandbox.url).pathname),
          [`/${orgA!.id}/oauth2/token`],
        );
      } finally {
        app.sandbox.auth.overrideDiscovery(orgA!.id, undefined);
        app.services.smart.discovery.forget(orgA!.fhirBase);
      }
    });

    test('case 38: the callback lands on a clean URL; cookies HttpOnly SameSite=Lax; no tokens reach the browser', async () => {
      const browser = app.newBrowser();
      const session = (await (
        await app.api('/api/connect-sessions', { method: 'POST', body: JSON.stringify({ userId: 'case38' }) })
      ).json()) as { url: string };
      const start = await browser.get(`${session.url}?org=sandbox-org-a`);
      const cookie = start.headers.getSetCookie().find((c) => c.startsWith('cb_browser='))!;
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Lax/);
      assert.doesNotMatch(cookie, /Secure/, 'plain-http demo: Secure would drop the cookie');
      const authorize = new URL(start.headers.get('location')!);
      const callbackUrl = await browser.followToOrigin(authorize.toString(), app.url);
      const done = await browser.get(callbackUrl);
      assert.equal(done.status, 303);
      assert.equal(done.headers.get('referrer-policy'), 'no-referrer');
      const location = done.headers.get('location')!;
      assert.match(location, /^\/connected\/ln_[0-9a-f]{32}$/);
      const page = await browser.get(`${app.url}${location}`);
      const html = await page.text();
      bodies.push(html);
      assert.equal(page.status, 200);
      assert.ok(html.includes('Your hospital is connected'));
      assert.equal(page.headers.get('cache-control'), 'no-store');
      assert.equal(
        (await app.newBrowser().get(`${app.url}${location}`)).status,
        404,
        'only the launching browser sees it',
      );
    });
  });
}
