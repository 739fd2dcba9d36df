import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Clock } from '../clock.ts';
import { startWorker } from '../jobs/start-worker.ts';
import { createRevocationOutboxRepository } from '../store/revocation-outbox-repository.ts';
import { noJobs, startConnectedApp, type ConnectedApp } from '../testing/connected-app.ts';
import { testDialects } from '../testing/databases.ts';
import { waitFor } from '../testing/wait-for.ts';
import { retryDueRevocations } from './revocation-outbox.ts';

const REVOKE_ROUTE = '/oauth2/revoke$';

/** Real time shifted by `offset`: the worker's timers run for real while retries become due at once. */
function shiftedClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms) => (offset += ms) };
}

for (const dialect of testDialects) {
  describe(`case 28: the revocation outbox on ${dialect}`, () => {
    let app: ConnectedApp;
    const clock = shiftedClock();
    before(async () => {
      app = await startConnectedApp({ dialect, clock, jobs: noJobs });
    });
    after(async () => {
      app.sandbox.faults.clear();
      await app.close();
    });

    async function storedRefreshToken(id: string) {
      const row = (await app.services.repos.connections.findById(id))!;
      const token = await app.services.sealer.unseal(
        row.refresh_token_sealed!,
        `connections/${id}/refresh_token_sealed`,
      );
      const grant = {
        endpoints: { issuer: row.issuer, tokenEndpoint: row.token_endpoint },
        clientId: row.client_id,
        refreshToken: token,
      };
      return { row, token, grant };
    }

    it('endpoint down: tokens deleted, revocation pending; the worker retries with backoff until the EHR answers', async () => {
      const id = await app.connectPatient('case28-down-up');
      const { row, token, grant } = await storedRefreshToken(id);
      app.sandbox.faults.add({ kind: 'status', status: 503, route: REVOKE_ROUTE });
      const deleted = await app.api(`/api/connections/${id}`, { method: 'DELETE' });
      assert.deepEqual(await deleted.json(), { connectionId: id, revocation: 'pending' });
      const after1 = (await app.services.repos.connections.findById(id))!;
      assert.deepEqual(
        [after1.status, after1.access_token_sealed, after1.refresh_token_sealed],
        ['revoked', null, null],
      );
      const outbox = createRevocationOutboxRepository(app.services.store.db);
      const [pending] = await outbox.listForConnection(id);
      assert.deepEqual(
        [pending!.attempts, pending!.last_error, pending!.token_hint, pending!.revocation_endpoint],
        [1, 'ERR_TOKEN_ENDPOINT_UNAVAILABLE', 'refresh_token', row.revocation_endpoint],
      );
      assert.ok(!pending!.token_sealed.includes(token));
      // Sealed to its own row: the same value does not open as the connection's column.
      await assert.rejects(
        async () =>
          app.services.sealer.unseal(pending!.token_sealed, `connections/${id}/refresh_token_sealed`),
        { code: 'ERR_SEAL_INVALID' },
      );
      // The grant is still live at the EHR while the revocation is pending.
      const introspection = await app.services.smart.introspect({
        endpoints: { ...grant.endpoints, introspectionEndpoint: row.introspection_endpoint },
        clientId: row.client_id,
        token,
        hint: 'refresh_token',
      });
      assert.equal(introspection.active, true);

      const runtime = await startWorker(app.services, { schedulerIntervalMs: 50, concurrency: 1 });
      try {
        // Still down: the first backoff (1 min) passes, the worker tries again and schedules the next (2 min).
        clock.advance(61_000);
        const retried = await waitFor(
          async () => (await outbox.listForConnection(id)).find((r) => r.attempts === 2),
          { what: 'second attempt' },
        );
        assert.equal(retried.last_error, 'ERR_TOKEN_ENDPOINT_UNAVAILABLE');
        assert.ok(retried.next_attempt_at >= clock.now() + 110_000, 'backoff doubled');
        app.sandbox.faults.clear();
        clock.advance(121_000);
        await waitFor(async () => (await outbox.listForConnection(id)).length === 0, {
          what: 'outbox emptied',
        });
      } finally {
        await runtime.stop();
      }
      await assert.rejects(app.services.smart.refresh(grant), { code: 'ERR_INVALID_GRANT' });
      const audit = await app.services.repos.audit.listForConnection(id);
      assert.deepEqual(
        audit.slice(-2).map((e) => [e.actor, e.action, JSON.parse(e.detail)]),
        [
          ['api', 'connection.disconnected', { revocation: 'pending' }],
          ['scheduler', 'revocation.completed', { hint: 'refresh_token', attempts: 3 }],
        ],
      );
      await app.assertNoSecretsLeaked();
    });

    it('an EHR that answers and refuses ends the revocation at once, audited with its code', async () => {
      const id = await app.connectPatient('case28-refused');
      app.sandbox.faults.add({ kind: 'status', status: 400, route: REVOKE_ROUTE, times: 1 });
      const deleted = await app.api(`/api/connections/${id}`, { method: 'DELETE' });
      assert.deepEqual(await deleted.json(), { connectionId: id, revocation: 'refused' });
      const outbox = createRevocationOutboxRepository(app.services.store.db);
      assert.equal((await outbox.listForConnection(id)).length, 0);
      const audit = await app.services.repos.audit.listForConnection(id);
      assert.deepEqual(
        audit.slice(-2).map((e) => [e.action, JSON.parse(e.detail)]),
        [
          ['revocation.refused', { hint: 'refresh_token', code: 'ERR_TOKEN_RESPONSE_INVALID', attempts: 1 }],
          ['connection.disconnected', { revocation: 'refused' }],
        ],
      );
    });

    it('a token whose lifetime ends before the next retry is dropped as expired, audited', async () => {
      const id = await app.connectPatient('case28-expired');
      app.sandbox.faults.add({ kind: 'status', status: 502, route: REVOKE_ROUTE });
      try {
        await app.api(`/api/connections/${id}`, { method: 'DELETE' });
        const outbox = createRevocationOutboxRepository(app.services.store.db);
        const [pending] = await outbox.listForConnection(id);
        // Persistent access ends in 90 seconds; the next retry would be 2 minutes after the one due now.
        await app.services.store.db
          .withTables<{ pending_revocations: { id: string; gives_up_at: number } }>()
          .updateTable('pending_revocations')
          .set({ gives_up_at: clock.now() + 150_000 })
          .where('id', '=', pending!.id)
          .execute();
        clock.advance(61_000);
        assert.deepEqual(await retryDueRevocations(app.services, { batchSize: 10 }), {
          revoked: 0,
          pending: 0,
          refused: 0,
          expired: 1,
        });
      } finally {
        app.sandbox.faults.clear();
      }
      const audit = await app.services.repos.audit.listForConnection(id);
      assert.deepEqual(
        [audit.at(-1)!.action, JSON.parse(audit.at(-1)!.detail)],
        [
          'revocation.expired',
          { hint: 'refresh_token', code: 'ERR_TOKEN_ENDPOINT_UNAVAILABLE', attempts: 2 },
        ],
      );
    });
  });
}
