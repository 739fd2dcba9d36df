import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_EXPIRES_IN_SECONDS } from '../smart/token-response.ts';
import { startConnectedApp, type ConnectedApp } from '../testing/connected-app.ts';
import { testDialects } from '../testing/databases.ts';

for (const dialect of testDialects) {
  describe(`token checks (${dialect})`, () => {
    let app: ConnectedApp;
    const bodies: string[] = [];
    before(async () => {
      app = await startConnectedApp({ dialect });
    });
    after(async () => {
      app.sandbox.auth.tamperTokenResponse(undefined);
      app.sandbox.auth.tamperIdToken(undefined);
      await app.assertNoSecretsLeaked(bodies);
      await app.close();
    });

    async function connectionsOf(userId: string) {
      const body = (await (await app.api(`/api/users/${userId}/connections`)).json()) as {
        connections: Array<Record<string, unknown>>;
      };
      return body.connections;
    }

    /** A launch whose callback must fail with `status` and `text` and leave no connection. */
    async function expectNoConnection(userId: string, status: number, text: string) {
      const { browser, callbackUrl } = await app.beginLaunch(userId);
      const response = await browser.get(callbackUrl);
      const body = await response.text();
      bodies.push(body);
      assert.equal(response.status, status, body.slice(0, 400));
      assert.ok(body.includes(text), `expected the page to say: ${text}`);
      assert.deepEqual(await connectionsOf(userId), []);
    }

    test('case 5: no access_token, an unknown token_type, an HTML body → clear error, nothing stored', async () => {
      try {
        app.sandbox.auth.tamperTokenResponse(({ access_token: _drop, ...rest }) => rest);
        await expectNoConnection('case5-a', 502, 'access_token');
        app.sandbox.auth.tamperTokenResponse((body) => ({ ...body, token_type: 'MAC' }));
        await expectNoConnection('case5-b', 502, 'unsupported token_type');
        app.sandbox.auth.tamperTokenResponse(
          () =>
            new Response('<html><body>Server Error</body></html>', {
              status: 200,
              headers: { 'content-type': 'text/html' },
            }),
        );
        await expectNoConnection('case5-c', 502, 'the body is not json');
        app.sandbox.auth.tamperTokenResponse(() => new Response('', { status: 500 }));
        await expectNoConnection('case5-d', 503, 'answered http 500 during code exchange');
      } finally {
        app.sandbox.auth.tamperTokenResponse(undefined);
      }
    });

    test('case 6: no expires_in → short default; no refresh_token → works, shown not refreshable; no patient → no connection', async () => {
      try {
        app.sandbox.auth.tamperTokenResponse(({ expires_in: _drop, ...rest }) => rest);
        const before = Date.now();
        const id = await app.connectPatient('case6-a');
        const row = await app.services.repos.connections.findById(id);
        assert.ok(row!.access_expires_at! >= before + DEFAULT_EXPIRES_IN_SECONDS * 1000);
        assert.ok(row!.access_expires_at! <= Date.now() + DEFAULT_EXPIRES_IN_SECONDS * 1000);

        app.sandbox.auth.tamperTokenResponse(({ refresh_token: _drop, ...rest }) => rest);
        const id2 = await app.connectPatient('case6-b');
        const [view] = await connectionsOf('case6-b');
        assert.equal(view!.refreshable, false);
        assert.equal(view!.status, 'active');
        assert.equal(typeof (await app.services.vault.getAccessToken(id2)), 'string');
        await assert.rejects(app.services.vault.refreshNow(id2), { code: 'ERR_NOT_REFRESHABLE' });

        app.sandbox.auth.tamperTokenResponse(({ patient: _drop, ...rest }) => rest);
        await expectNoConnection('case6-c', 502, 'has no &#39;patient&#39;');
      } finally {
        app.sandbox.auth.tamperTokenResponse(undefined);
      }
    });

    test('case 7: id_token with a bad signature, wrong iss/aud, expired, or a foreign fhirUser → rejected', async () => {
      const cases: Array<[string, Parameters<ConnectedApp['sandbox']['auth']['tamperIdToken']>[0], string]> =
        [
          ['sig', { foreignKey: true }, 'no issuer key matches its kid'],
          ['iss', { claims: { iss: 'https://evil.example.net/oauth2' } }, 'unexpected &#39;iss&#39; claim'],
          ['aud', { claims: { aud: 'another-client' } }, 'unexpected &#39;aud&#39; claim'],
          ['exp', { claims: { exp: Math.floor(Date.now() / 1000) - 3600 } }, 'it has expired'],
          [
            'fhiruser',
            { claims: { fhirUser: 'https://evil.example.net/fhir/Patient/1' } },
            'points at another server',
          ],
        ];
      try {
        for (const [name, tamper, text] of cases) {
          app.sandbox.auth.tamperIdToken(tamper);
          await expectNoConnection(`case7-${name}`, 502, text);
        }
      } finally {
        app.sandbox.auth.tamperIdToken(undefined);
      }
    });

    test('case 33: a discovery document with the token endpoint on another origin → no assertion minted', async () => {
      const org = app.sandbox.orgs()[1]!;
      app.sandbox.auth.overrideDiscovery(org.id, { token_endpoint: 'https://evil.example.net/oauth2/token' });
      app.services.smart.discovery.forget(org.fhirBase);
      try {
        const session = (await (
          await app.api('/api/connect-sessions', {
            method: 'POST',
            body: JSON.stringify({ userId: 'case33' }),
          })
        ).json()) as { url: string };
        const before = app.secrets.secrets.size;
        const response = await app.newBrowser().get(`${session.url}?org=sandbox-${org.id}`);
        const body = await response.text();
        assert.equal(response.status, 502);
        assert.ok(body.includes('on another origin; refusing to use it'));
        assert.equal(app.secrets.secrets.size, before, 'no token request, so no assertion was created');
      } finally {
        app.sandbox.auth.overrideDiscovery(org.id, undefined);
        app.services.smart.discovery.forget(org.fhirBase);
      }
    });
  });
}
