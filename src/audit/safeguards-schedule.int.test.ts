import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Hono } from 'hono';
import { createManualClock } from '../clock.ts';
import { loadSafeguardsConfig } from '../config/safeguards-config.ts';
import { createSafeguardsSchedule } from '../jobs/schedules/safeguards.ts';
import { createSilentLogger } from '../log/logger.ts';
import type { Store } from '../store/database.ts';
import { createRepositories, type Repositories } from '../store/repositories.ts';
import type { ConnectionStatus } from '../store/schema.ts';
import { createTestStore, testDialects } from '../testing/databases.ts';
import { startTestServer } from '../testing/test-server.ts';

const DAY = 86_400_000;
const MINUTE = 60_000;

/** Issue 14, points 5 and 8: retention of the audit trail and of revoked connections' data; the burst alert. */
for (const dialect of testDialects) {
  describe(`safeguards schedule (${dialect})`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let repos: Repositories;
    let hook: Awaited<ReturnType<typeof startTestServer>>;
    const received: Array<{ body: string; signature: string | undefined }> = [];
    const clock = createManualClock(Date.UTC(2026, 5, 1));
    const secret = 'whsec-safeguards';

    before(async () => {
      ({ store, cleanup } = await createTestStore(dialect));
      repos = createRepositories(store.db);
      hook = await startTestServer(
        new Hono().post('/hook', async (c) => {
          received.push({ body: await c.req.text(), signature: c.req.header('x-chartbridge-signature') });
          return c.body(null, 204);
        }),
      );
      await store.db.insertInto('users').values({ id: 'u1', created_at: 0 }).execute();
    });
    after(async () => {
      await hook?.close();
      await cleanup?.();
    });

    const schedule = (env: Record<string, string> = {}) =>
      createSafeguardsSchedule({
        services: {
          store,
          repos,
          clock,
          log: createSilentLogger(),
          fetch,
          config: { safeguards: loadSafeguardsConfig(env), webhook: { url: `${hook.url}/hook`, secret } },
        },
        owner: 'worker-1',
        intervalMs: 30_000,
        autoStart: false,
      });

    const addConnection = async (
      id: string,
      status: ConnectionStatus,
      updatedAt: number,
      resources: number,
    ) => {
      await repos.connections.insert({
        id,
        user_id: 'u1',
        endpoint_id: 'e1',
        fhir_base: 'https://ehr.example/fhir',
        issuer: 'https://ehr.example/fhir',
        token_endpoint: 'https://ehr.example/token',
        client_id: 'client',
        patient_id: `p-${id}`,
        scope: 'patient/*.read',
        access_token_sealed: null,
        refresh_token_sealed: null,
        token_version: 1,
        access_expires_at: null,
        persistent_access_ends_at: null,
        refreshable: 0,
        status,
        last_sync_at: null,
        created_at: updatedAt,
        updated_at: updatedAt,
      });
      for (let i = 0; i < resources; i += 1) {
        await store.db
          .insertInto('resources')
          .values({
            connection_id: id,
            resource_type: 'Observation',
            resource_id: `o${i}`,
            version_id: '1',
            last_updated: null,
            json: `{"resourceType":"Observation","id":"o${i}"}`,
            hash: 'x',
            fetched_at: 1,
            sync_run_id: null,
          })
          .execute();
      }
    };
    const countResources = async (id: string) =>
      (await store.db.selectFrom('resources').select('resource_id').where('connection_id', '=', id).execute())
        .length;

    it('erases revoked connections’ data after 30 days and audit events after 6 years, by default', async () => {
      const now = clock.now();
      await addConnection('revoked-31d', 'revoked', now - 31 * DAY, 2);
      await store.db
        .insertInto('binaries')
        .values({
          connection_id: 'revoked-31d',
          binary_id: 'b1',
          content_type: 'text/plain',
          size: 1,
          hash: 'x',
          data: Buffer.from('x'),
          status: 'ok',
          fetched_at: 1,
        })
        .execute();
      await addConnection('revoked-29d', 'revoked', now - 29 * DAY, 1);
      await addConnection('active-old', 'active', now - 400 * DAY, 1);
      await addConnection('needs-reauth-old', 'needs_reauth', now - 400 * DAY, 1);
      for (const at of [now - 2191 * DAY, now - 2191 * DAY, now - 2190 * DAY - 1])
        await repos.audit.record({ actor: 'api', action: 'phi.export', connectionId: 'active-old' }, at);
      await repos.audit.record(
        { actor: 'api', action: 'phi.export', connectionId: 'active-old' },
        now - 2189 * DAY,
      );

      // 0 turns both off.
      const off = schedule({ CHARTBRIDGE_AUDIT_RETENTION_DAYS: '0', CHARTBRIDGE_REVOKED_DATA_DAYS: '0' });
      assert.deepEqual(await off.applyRetention(), {
        auditEvents: 0,
        connections: 0,
        resources: 0,
        binaries: 0,
      });
      assert.equal(await countResources('revoked-31d'), 2);
      clock.advance(RETENTION_HOUR);

      const retention = schedule();
      assert.deepEqual(await retention.applyRetention(), {
        auditEvents: 3,
        connections: 1,
        resources: 2,
        binaries: 1,
      });
      assert.deepEqual(
        await Promise.all(
          ['revoked-31d', 'revoked-29d', 'active-old', 'needs-reauth-old'].map(countResources),
        ),
        [0, 1, 1, 1],
      );
      const binaries = await store.db.selectFrom('binaries').select('binary_id').execute();
      assert.deepEqual(binaries, []);
      const trail = (await repos.audit.listAll()).map((r) => [
        r.actor,
        r.action,
        r.connection_id,
        JSON.parse(r.detail),
      ]);
      assert.deepEqual(trail, [
        ['api', 'phi.export', 'active-old', {}],
        [
          'scheduler',
          'connection.data_expired',
          'revoked-31d',
          { resources: 2, binaries: 1, runs: 0, revokedDataDays: 30 },
        ],
        [
          'scheduler',
          'audit.expired',
          null,
          { events: 3, before: new Date(clock.now() - 2190 * DAY).toISOString() },
        ],
      ]);
      // The connection row stays, revoked, so the trail still names it.
      assert.equal((await repos.connections.findById('revoked-31d'))?.status, 'revoked');

      // The lease is the schedule: not again within the hour, by this worker or another.
      assert.equal(await retention.applyRetention(), null);
      assert.equal(await schedule().applyRetention(), null);
      clock.advance(RETENTION_HOUR);
      assert.deepEqual(await retention.applyRetention(), {
        auditEvents: 0,
        connections: 0,
        resources: 0,
        binaries: 0,
      });
    });

    it('alerts once when 10 connections turn needs_reauth within 10 minutes, by audit, log and signed webhook', async () => {
      clock.advance(DAY);
      const now = clock.now();
      const reauth = (i: number, at: number) =>
        repos.audit.record({ actor: 'vault', action: 'connection.needs_reauth', connectionId: `c${i}` }, at);
      // Nine long ago (outside the window) and nine within it: no burst.
      for (let i = 0; i < 9; i += 1) await reauth(i, now - 11 * MINUTE);
      for (let i = 0; i < 9; i += 1) await reauth(i, now - 9 * MINUTE);
      const burst = schedule();
      assert.equal(await burst.checkBurst(), null);
      assert.equal(received.length, 0);

      clock.advance(30_000);
      await reauth(9, clock.now());
      assert.deepEqual(await burst.checkBurst(), { count: 10, threshold: 10, windowMinutes: 10 });
      const alerts = await repos.audit.query({ action: 'operator.reauth_burst', limit: 10 });
      assert.deepEqual(
        alerts.map((r) => [r.actor, r.connection_id, JSON.parse(r.detail)]),
        [['scheduler', null, { count: 10, threshold: 10, windowMinutes: 10 }]],
      );
      assert.equal(received.length, 1);
      const { body, signature } = received[0]!;
      assert.deepEqual(JSON.parse(body), {
        type: 'operator.reauth_burst',
        count: 10,
        threshold: 10,
        windowMinutes: 10,
        at: new Date(clock.now()).toISOString(),
      });
      const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature ?? '');
      assert.equal(match?.[2], createHmac('sha256', secret).update(`${match?.[1]}.${body}`).digest('hex'));

      // Not due again this interval; then due, but the same events are not reported twice.
      assert.equal(await burst.checkBurst(), null);
      clock.advance(30_000);
      assert.equal(await burst.checkBurst(), null);
      // A fresh burst within the same window is a new alert.
      for (let i = 10; i < 20; i += 1) await reauth(i, clock.now());
      clock.advance(30_000);
      assert.deepEqual(await burst.checkBurst(), { count: 10, threshold: 10, windowMinutes: 10 });
      assert.equal(received.length, 2);
      // Configurable, and 0 turns it off.
      clock.advance(30_000);
      for (let i = 20; i < 23; i += 1) await reauth(i, clock.now());
      assert.equal(await schedule({ CHARTBRIDGE_REAUTH_ALERT_COUNT: '0' }).checkBurst(), null);
      clock.advance(30_000);
      assert.deepEqual(
        await schedule({
          CHARTBRIDGE_REAUTH_ALERT_COUNT: '3',
          CHARTBRIDGE_REAUTH_ALERT_MINUTES: '5',
        }).checkBurst(),
        { count: 3, threshold: 3, windowMinutes: 5 },
      );
    });
  });
}

const RETENTION_HOUR = 3_600_000;
