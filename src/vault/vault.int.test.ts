import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects } from '../testing/databases.ts';
import { startConnectedApp, type ConnectedApp } from '../testing/connected-app.ts';
import { openStore } from '../store/database.ts';
import { createRepositories } from '../store/repositories.ts';
import { createVault } from './vault.ts';
import { disconnectConnection } from '../connect/disconnect.ts';
import { waitFor } from '../testing/wait-for.ts';
import { createSealer, generateEncryptionKey } from '../crypto/sealer.ts';
import { INVALID_CLIENT_HINT } from './refresh-under-lease.ts';

for (const dialect of testDialects) {
  describe(`vault on ${dialect}`, () => {
    let app: ConnectedApp;
    before(async () => {
      app = await startConnectedApp({ dialect });
    });
    after(async () => {
      await app.assertNoSecretsLeaked();
      await app.close();
    });
    const refreshCalls = () => app.sandbox.tokens.tokenEndpointCalls().refresh_token;
    const row = async (id: string) => (await app.services.repos.connections.findById(id))!;
    const actions = async (id: string) =>
      (await app.services.repos.audit.listForConnection(id)).map((a) => a.action);
    /** `chartbridge_token_refreshes_total` by outcome, as /metrics would show it now. */
    const refreshOutcomes = async (): Promise<Record<string, number>> => {
      const metric = app.services.metrics.registry.getSingleMetric('chartbridge_token_refreshes_total');
      const { values } = await metric!.get();
      return Object.fromEntries(values.map((v) => [String(v.labels.outcome), v.value]));
    };
    /** How much each outcome's count grew while `work` ran (outcomes that did not move left out). */
    const outcomesDuring = async (work: () => Promise<unknown>) => {
      const before = await refreshOutcomes();
      await work();
      const after = await refreshOutcomes();
      return Object.fromEntries(
        Object.entries(after)
          .map(([outcome, n]): [string, number] => [outcome, n - (before[outcome] ?? 0)])
          .filter(([, delta]) => delta !== 0),
      );
    };

    test('refreshNow rotates the refresh token and persists it before handing out the access token', async () => {
      const id = await app.connectPatient(`rotate-${dialect}`);
      const before = await row(id);
      const oldAccess = await app.services.vault.getAccessToken(id);
      const summary = await app.services.vault.refreshNow(id);
      const after = await row(id);
      assert.equal(summary.tokenVersion, before.token_version + 1);
      assert.notEqual(after.refresh_token_sealed, before.refresh_token_sealed);
      const newAccess = await app.services.vault.getAccessToken(id);
      assert.notEqual(newAccess, oldAccess);
      assert.deepEqual((await actions(id)).slice(-1), ['token.refreshed']);
    });

    test('case 19: token endpoint 503 or timeout → refresh token kept, connection active, backoff, later success', async () => {
      const id = await app.connectPatient(`case19-${dialect}`);
      const before = await row(id);
      app.sandbox.faults.add({ kind: 'status', status: 503, route: '/oauth2/token$', times: 1 });
      const outcomes = await outcomesDuring(() =>
        assert.rejects(app.services.vault.refreshNow(id), { code: 'ERR_TOKEN_ENDPOINT_UNAVAILABLE' }),
      );
      assert.deepEqual(outcomes, { failed: 1 });
      const failed = await row(id);
      assert.equal(failed.status, 'active');
      assert.equal(failed.refresh_token_sealed, before.refresh_token_sealed, 'refresh token kept');
      assert.equal(failed.refresh_failures, 1);
      assert.ok(failed.refresh_retry_at! > Date.now());
      assert.equal(failed.refresh_lease_owner, null, 'lease released');
      // While backing off, a still-valid access token keeps being served without calling the EHR.
      const calls = refreshCalls();
      await app.services.store.db
        .updateTable('connections')
        .set({ access_expires_at: Date.now() + 60_000 })
        .where('id', '=', id)
        .execute();
      assert.equal(typeof (await app.services.vault.getAccessToken(id)), 'string');
      assert.equal(refreshCalls(), calls);
      // The operator (or the retry later) refreshes with the kept token.
      assert.deepEqual(await outcomesDuring(() => app.services.vault.refreshNow(id)), { refreshed: 1 });
      assert.equal((await row(id)).refresh_failures, 0);
      assert.ok((await actions(id)).includes('token.refresh_failed'));
    });

    test('case 20: invalid_grant → needs_reauth with reason, no retry loop, the patient can reconnect', async () => {
      const userId = `case20-${dialect}`;
      const id = await app.connectPatient(userId);
      const patientId = (await row(id)).patient_id;
      app.sandbox.tokens.revokeGrants({ patientId });
      const calls = refreshCalls();
      const outcomes = await outcomesDuring(() =>
        assert.rejects(app.services.vault.refreshNow(id), { code: 'ERR_INVALID_GRANT' }),
      );
      assert.deepEqual(outcomes, { invalid_grant: 1 });
      const ended = await row(id);
      assert.equal(ended.status, 'needs_reauth');
      assert.equal(
        ended.status_reason,
        'the EHR rejected the refresh token (invalid_grant); the patient must connect again',
      );
      assert.equal(ended.refresh_token_sealed, null);
      await assert.rejects(app.services.vault.getAccessToken(id), { code: 'ERR_CONNECTION_INACTIVE' });
      await assert.rejects(app.services.vault.refreshNow(id), { code: 'ERR_CONNECTION_INACTIVE' });
      assert.equal(refreshCalls(), calls + 1, 'exactly one refresh attempt');
      assert.ok((await actions(id)).includes('connection.needs_reauth'));
      assert.equal(await app.connectPatient(userId), id, 'reconnecting revives the same connection');
      assert.equal((await row(id)).status, 'active');
    });

    test('case 21: invalid_client → operator alert with hint, patient not blamed, backoff, fresh assertion each time', async () => {
      const id = await app.connectPatient(`case21-${dialect}`);
      const client = app.sandbox.clients.list()[0]!;
      app.sandbox.clients.update(client.clientId, { jwksUrl: 'http://127.0.0.1:9/unreachable-jwks.json' });
      try {
        const assertionsBefore = app.secrets.secrets.size;
        const outcomes = await outcomesDuring(async () => {
          await assert.rejects(app.services.vault.refreshNow(id), { code: 'ERR_INVALID_CLIENT' });
          await assert.rejects(app.services.vault.refreshNow(id), { code: 'ERR_INVALID_CLIENT' });
        });
        assert.deepEqual(outcomes, { invalid_client: 2 });
        assert.ok(app.secrets.secrets.size >= assertionsBefore + 2, 'two distinct assertions were sent');
        const failed = await row(id);
        assert.equal(failed.status, 'active', 'the patient is not blamed');
        assert.equal(failed.refresh_failures, 2);
        assert.ok(
          failed.refresh_retry_at! >= Date.now() + 9 * 60_000,
          'operator problems back off for minutes',
        );
        const alerts = (await app.services.repos.audit.listForConnection(id)).filter(
          (a) => a.action === 'operator.alert',
        );
        assert.equal(alerts.length, 2);
        assert.equal(JSON.parse(alerts[0]!.detail).hint, INVALID_CLIENT_HINT);
        // Automatic refreshes honour the backoff: no call to the EHR.
        const calls = refreshCalls();
        await app.services.store.db
          .updateTable('connections')
          .set({ access_expires_at: Date.now() - 1 })
          .where('id', '=', id)
          .execute();
        await assert.rejects(app.services.vault.getAccessToken(id), {
          code: 'ERR_TOKEN_ENDPOINT_UNAVAILABLE',
        });
        assert.equal(refreshCalls(), calls);
      } finally {
        app.sandbox.clients.update(client.clientId, { jwksUrl: client.jwksUrl });
      }
      await app.services.vault.refreshNow(id);
      assert.equal((await row(id)).status, 'active');
    });

    test('case 22: a 401 with an unexpired token → exactly one refresh; the same stale token again → no second', async () => {
      const id = await app.connectPatient(`case22-${dialect}`);
      const stale = await app.services.vault.getAccessToken(id);
      const calls = refreshCalls();
      const fresh = await app.services.vault.refreshAfterRejection(id, stale);
      assert.notEqual(fresh, stale);
      assert.equal(await app.services.vault.refreshAfterRejection(id, stale), fresh);
      assert.equal(refreshCalls(), calls + 1);
    });

    test('case 25: crash after the EHR rotated but before we stored → next refresh is needs_reauth, reason recorded', async () => {
      const id = await app.connectPatient(`case25-${dialect}`);
      const current = await row(id);
      const refreshToken = await app.services.sealer.unseal(
        current.refresh_token_sealed!,
        `connections/${id}/refresh_token_sealed`,
      );
      // The EHR rotates; we "crash" before storing (the new tokens are simply dropped).
      await app.services.smart.refresh({
        endpoints: { issuer: current.issuer, tokenEndpoint: current.token_endpoint },
        clientId: current.client_id,
        refreshToken,
      });
      const calls = refreshCalls();
      const outcomes = await outcomesDuring(() =>
        assert.rejects(app.services.vault.refreshNow(id), { code: 'ERR_INVALID_GRANT' }),
      );
      assert.deepEqual(outcomes, { invalid_grant: 1 });
      const ended = await row(id);
      assert.equal(ended.status, 'needs_reauth');
      assert.match(ended.status_reason!, /invalid_grant/);
      await assert.rejects(app.services.vault.getAccessToken(id), { code: 'ERR_CONNECTION_INACTIVE' });
      assert.equal(refreshCalls(), calls + 1, 'reported once, never retried in a loop');
    });

    test('case 43: ten concurrent 401s in one process → one refresh, ten retries get the same new token', async () => {
      const id = await app.connectPatient(`case43-${dialect}`);
      const stale = await app.services.vault.getAccessToken(id);
      const calls = refreshCalls();
      const tokens = await Promise.all(
        Array.from({ length: 10 }, () => app.services.vault.refreshAfterRejection(id, stale)),
      );
      assert.equal(refreshCalls(), calls + 1);
      assert.equal(new Set(tokens).size, 1);
      assert.notEqual(tokens[0], stale);
    });

    test('case 39: tokens swapped between rows → key_error; a wrong key → refused, nothing marked', async () => {
      const id = await app.connectPatient(`case39-${dialect}`);
      const other = await app.connectPatient(`case39b-${dialect}`);
      const otherRow = await row(other);
      // Swapping two rows' ciphertexts must not decrypt (the binding names row and column).
      await app.services.store.db
        .updateTable('connections')
        .set({ access_token_sealed: otherRow.access_token_sealed })
        .where('id', '=', id)
        .execute();
      await assert.rejects(app.services.vault.getAccessToken(id), { code: 'ERR_SEAL_INVALID' });
      assert.equal((await row(id)).status, 'key_error');
      // A key that opens none of the stored tokens is the wrong key, not damage: refused, nothing marked.
      const changedKey = createVault({ ...app.services, sealer: createSealer(generateEncryptionKey()) });
      await assert.rejects(changedKey.getAccessToken(other), { code: 'ERR_ENCRYPTION_KEY_INVALID' });
      assert.equal((await row(other)).status, 'active');
    });

    test('case 44: a refresh racing a disconnect → the disconnect wins, the state stays revoked', async () => {
      const id = await app.connectPatient(`case44-d-${dialect}`);
      app.sandbox.faults.add({ kind: 'latency', ms: 700, route: '/oauth2/token$', times: 1 });
      const refreshing = app.services.vault.refreshNow(id).catch((error: { code?: string }) => error.code);
      await waitFor(async () => (await row(id)).refresh_lease_owner !== null, { what: 'the refresh lease' });
      assert.equal((await disconnectConnection(app.services, id, 'test')).revocation, 'revoked');
      assert.ok(['ERR_INVALID_GRANT', 'ERR_CONNECTION_INACTIVE'].includes(String(await refreshing)));
      const ended = await row(id);
      assert.deepEqual(
        [ended.status, ended.status_reason, ended.access_token_sealed, ended.refresh_token_sealed],
        ['revoked', 'disconnected', null, null],
      );
    });

    test('case 44: a refresh racing a re-authorisation → the newest grant wins; the tokens issued meanwhile are revoked', async () => {
      const userId = `case44-r-${dialect}`;
      const id = await app.connectPatient(userId);
      const patientId = (await row(id)).patient_id;
      const activeGrants = () => app.sandbox.tokens.grants({ patientId }).filter((g) => g.active).length;
      const before = activeGrants();
      app.sandbox.faults.add({ kind: 'latency', ms: 1500, route: '/oauth2/token$', times: 1 });
      const outcomesBefore = await refreshOutcomes();
      const refreshing = app.services.vault.refreshNow(id).catch((error: { code?: string }) => error.code);
      await waitFor(async () => (await row(id)).refresh_lease_owner !== null, { what: 'the refresh lease' });
      assert.equal(await app.connectPatient(userId), id);
      const reauthorized = await row(id);
      assert.equal(await refreshing, 'ERR_REFRESH_IN_PROGRESS');
      const outcomesAfter = await refreshOutcomes();
      assert.equal(outcomesAfter.lease_lost, outcomesBefore.lease_lost! + 1);
      assert.equal(
        outcomesAfter.refreshed,
        outcomesBefore.refreshed,
        'a discarded refresh is not counted as one',
      );
      assert.equal(
        (await row(id)).refresh_token_sealed,
        reauthorized.refresh_token_sealed,
        'the new grant was kept',
      );
      assert.equal(activeGrants(), before, 'the racing refresh result was revoked at the EHR');
      assert.equal(typeof (await app.services.vault.getAccessToken(id)), 'string');
      await app.services.vault.refreshNow(id);
    });

    test('case 42 (in-process half): two vaults on separate database connections refresh at once → one refresh, repeated', async () => {
      const id = await app.connectPatient(`case42-${dialect}`);
      const other = openStore(app.cliEnv.CHARTBRIDGE_DATABASE_URL!);
      try {
        const second = createVault({ ...app.services, repos: createRepositories(other.db) });
        for (let round = 0; round < 8; round += 1) {
          await app.services.store.db
            .updateTable('connections')
            .set({ access_expires_at: Date.now() + 1000 })
            .where('id', '=', id)
            .execute();
          const calls = refreshCalls();
          const delay = () => new Promise((r) => setTimeout(r, Math.floor(Math.random() * 15)));
          const [a, b] = await Promise.all([
            delay().then(() => app.services.vault.getAccessToken(id)),
            delay().then(() => second.getAccessToken(id)),
          ]);
          assert.equal(refreshCalls(), calls + 1, `round ${round}: exactly one refresh`);
          assert.equal(a, b, `round ${round}: both hold the new access token`);
        }
      } finally {
        await other.close();
      }
    });
  });
}
