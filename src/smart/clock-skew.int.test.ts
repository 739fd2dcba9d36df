import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock } from '../clock.ts';
import { createClientAssertion } from '../keys/client-assertion.ts';
import { startConnectedApp } from '../testing/connected-app.ts';
import { testDialects } from '../testing/databases.ts';
import { createVault } from '../vault/vault.ts';
import { createSmartClient } from './smart-client.ts';

/**
 * Case 27: our clock ten minutes off the EHR's. Assertions (five-minute life, checked on the EHR's clock) follow
 * the EHR's time learnt from its Date headers; access-token expiry is receipt time + expires_in on our clock.
 */
for (const dialect of testDialects) {
  for (const skewMinutes of [-10, 10]) {
    test(`case 27: with our clock ${skewMinutes} minutes off, connecting and refreshing still work (${dialect})`, async () => {
      const skewed: Clock = { now: () => Date.now() + skewMinutes * 60_000 };
      const app = await startConnectedApp({ dialect, clock: skewed });
      try {
        const id = await app.connectPatient(`skew${skewMinutes}`);
        const row = (await app.services.repos.connections.findById(id))!;
        assert.equal(row.status, 'active');
        assert.ok(
          Math.abs(row.access_expires_at! - (skewed.now() + 3600_000)) < 60_000,
          'expiry on our clock',
        );
        // A fresh process knows nothing yet: its first refresh is refused, teaches it the offset, and is retried.
        const fresh = createSmartClient({
          fetch: app.secrets.fetch,
          clock: skewed,
          signAssertion: ({ clientId, tokenEndpoint, clock }) =>
            createClientAssertion({ key: app.services.keys.activeKey(), clientId, tokenEndpoint, clock }),
        });
        const calls = app.sandbox.tokens.tokenEndpointCalls().refresh_token;
        const summary = await createVault({ ...app.services, smart: fresh }).refreshNow(id);
        assert.equal(summary.tokenVersion, row.token_version + 1);
        assert.equal(
          app.sandbox.tokens.tokenEndpointCalls().refresh_token,
          calls + 2,
          'one refusal, one retry',
        );
        await app.assertNoSecretsLeaked();
      } finally {
        await app.close();
      }
    });
  }
}
