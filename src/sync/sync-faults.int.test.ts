import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { startConnectedApp, type ConnectedApp } from '../testing/connected-app.ts';
import { testDialects } from '../testing/databases.ts';
import { runSync, SyncRunError, type RunSyncInput } from './run-sync.ts';
import { assertRecordMatchesSandbox } from '../testing/sync/compare-with-sandbox.ts';

/** Faults from cases 8, 11, 16–18, 22–23, 32, 34 and 47, each against a fresh connection. */
for (const dialect of testDialects) {
  describe(`sync through faults (${dialect})`, () => {
    let app: ConnectedApp;
    let users = 0;
    const orgId = 'org-b';
    const username = 'vitofeeney';
    let patientId: string;
    const sleeps: number[] = [];
    const fastSleep = async (ms: number) => void sleeps.push(ms);

    before(async () => {
      app = await startConnectedApp({ dialect });
      patientId = app.sandbox.data.organization(orgId)!.patients.find((p) => p.username === username)!.id;
    });
    afterEach(() => {
      app.sandbox.faults.clear();
      sleeps.length = 0;
    });
    after(async () => {
      await app.close();
    });

    async function connect(): Promise<string> {
      users += 1;
      return app.connectPatient(`fault-user-${users}`, { orgId, username });
    }
    const sync = (connectionId: string, extra: Partial<RunSyncInput> = {}) =>
      runSync({ services: app.services, connectionId, sleep: fastSleep, ...extra });
    const assertExact = (connectionId: string) =>
      assertRecordMatchesSandbox(app.services.store, app.sandbox, connectionId, orgId, patientId);

    it('honours 429/503 Retry-After (seconds and http date) and ends with the exact record (case 16)', async () => {
      const id = await connect();
      app.sandbox.faults.add({
        org: orgId,
        route: 'Observation',
        kind: 'status',
        status: 503,
        retryAfter: '3',
        times: 2,
      });
      const date = new Date(Date.now() + 5000).toUTCString();
      app.sandbox.faults.add({
        org: orgId,
        route: 'Encounter',
        kind: 'status',
        status: 429,
        retryAfter: date,
        times: 1,
      });
      app.sandbox.faults.add({
        org: orgId,
        route: 'Condition',
        kind: 'status',
        status: 503,
        retryAfter: '86400',
        times: 1,
      });
      const summary = await sync(id);
      assert.equal(summary.status, 'succeeded');
      assert.equal(sleeps.filter((ms) => ms === 3000).length, 2);
      assert.ok(
        sleeps.some((ms) => ms > 2000 && ms <= 5000),
        'http-date retry-after honoured',
      );
      assert.ok(sleeps.includes(60_000), 'absurd retry-after capped at 60 s');
      await assertExact(id);
    });

    it('times out silent servers and trickling bodies, retries, and finishes (case 18)', async () => {
      const id = await connect();
      app.sandbox.faults.add({ org: orgId, route: 'Immunization', kind: 'latency', ms: 1500, times: 1 });
      app.sandbox.faults.add({ org: orgId, route: 'Goal', kind: 'slow-body', ms: 1000, times: 1 });
      const started = Date.now();
      const summary = await sync(id, { fhirLimits: { headersTimeoutMs: 1000, bodyIdleMs: 600 } });
      assert.equal(summary.status, 'succeeded');
      assert.ok(Date.now() - started < 10_000);
      await assertExact(id);
    });

    it('a 401 with a live token costs exactly one refresh; a second 401 marks the connection needs_reauth (case 22)', async () => {
      const id = await connect();
      app.sandbox.tokens.revokeAccessTokens({ patientId });
      const before = app.sandbox.tokens.tokenEndpointCalls().refresh_token;
      assert.equal((await sync(id)).status, 'succeeded');
      assert.equal(app.sandbox.tokens.tokenEndpointCalls().refresh_token - before, 1);
      await assertExact(id);

      app.sandbox.faults.add({ org: orgId, route: 'Patient', kind: 'status', status: 401 });
      const error = await sync(id, { full: true }).catch((e: unknown) => e);
      assert.ok(error instanceof SyncRunError, JSON.stringify(error).slice(0, 600));
      assert.equal(error.code, 'ERR_SYNC_FAILED');
      const row = await app.services.repos.connections.findById(id);
      assert.equal(row?.status, 'needs_reauth');
      // Audited, so a burst of these raises the operator alert (issue 14, point 8).
      const reauth = (await app.services.repos.audit.listForConnection(id)).filter(
        (e) => e.action === 'connection.needs_reauth',
      );
      assert.deepEqual(
        reauth.map((e) => [e.actor, e.user_id, JSON.parse(e.detail)]),
        [['sync', `fault-user-${users}`, { code: 'ERR_FHIR_REAUTH_REQUIRED' }]],
      );
    });

    it('keeps going when access tokens expire mid-paging (case 23)', async () => {
      const id = await connect();
      // Tokens shorter than the vault's refresh-ahead margin: every request finds its token about to expire, so
      // the vault refreshes ahead again and again while pages are followed.
      app.sandbox.tokens.setAccessTokenTtl(20);
      try {
        app.sandbox.tokens.revokeAccessTokens({ patientId });
        const before = app.sandbox.tokens.tokenEndpointCalls().refresh_token;
        assert.equal((await sync(id, { syncLimits: { pageSize: 20 } })).status, 'succeeded');
        assert.ok(app.sandbox.tokens.tokenEndpointCalls().refresh_token - before >= 2);
        await assertExact(id);
      } finally {
        app.sandbox.tokens.setAccessTokenTtl(3600);
      }
    });

    it('records bad pages, oversized pages, bombs and foreign next links per query; the rest of the record arrives (cases 8, 11, 32, 34)', async () => {
      const id = await connect();
      const requested: string[] = [];
      const services = {
        ...app.services,
        fetch: (async (input: string | URL | Request, init?: RequestInit) => {
          requested.push(new URL(String(input instanceof Request ? input.url : input)).origin);
          return app.services.fetch(input, init);
        }) as typeof fetch,
      };
      app.sandbox.faults.add({ org: orgId, route: 'Observation', kind: 'foreign-next' });
      app.sandbox.faults.add({ org: orgId, route: 'Encounter', kind: 'malformed' });
      app.sandbox.faults.add({
        org: orgId,
        route: 'Immunization',
        kind: 'oversized',
        bytes: 3 * 1024 * 1024,
      });
      app.sandbox.faults.add({
        org: orgId,
        route: 'Procedure',
        kind: 'compression-bomb',
        bytes: 64 * 1024 * 1024,
      });
      app.sandbox.faults.add({ org: orgId, route: 'Goal', kind: 'no-resource' });
      app.sandbox.faults.add({ org: orgId, route: 'DocumentReference', kind: 'foreign-attachment' });
      const summary = await runSync({
        services,
        connectionId: id,
        sleep: fastSleep,
        fhirLimits: { maxBytes: 2 * 1024 * 1024 },
      });
      assert.equal(summary.status, 'partial');
      const byKey = new Map(summary.queries.map((q) => [q.key, q]));
      assert.equal(byKey.get('Encounter')?.status, 'failed');
      assert.equal(byKey.get('Encounter')?.reason, 'the Encounter search is not valid json');
      assert.equal(
        byKey.get('Immunization')?.reason,
        'the Immunization search exceeds the size cap of 2097152 bytes (decoded); the rest of the sync continues without it',
      );
      assert.equal(byKey.get('Procedure')?.status, 'failed');
      assert.equal(byKey.get('Goal')?.dropped, 5);
      assert.deepEqual(byKey.get('Goal')?.dropReasons, [
        { reason: 'entry without a resource object', count: 5 },
      ]);
      const foreign = summary.queries.filter(
        (q) => q.reason?.startsWith('refused the') && q.reason.includes("'https://foreign.invalid'"),
      );
      assert.deepEqual(foreign.map((q) => q.key).sort(), [
        'Observation:laboratory',
        'Observation:vital-signs',
      ]);
      assert.ok(
        requested.every((origin) => origin === new URL(app.sandbox.url).origin),
        'nothing fetched off the sandbox',
      );
      assert.ok(
        summary.warnings.includes(
          "attachments: refused an attachment at 'https://foreign.invalid': outside the fhir base, not fetched",
        ),
      );
      assert.equal(byKey.get('Observation:exam')?.status, 'done');
      assert.equal(byKey.get('Observation:exam')?.resources, 8);
      await app.assertNoSecretsLeaked([JSON.stringify(summary)]);
    });

    it('a poison connection fails with its reason while another connection syncs fine (case 47)', async () => {
      const poisoned = await connect();
      const healthyOrg = 'org-a';
      const healthyPatient = app.sandbox.data.organization(healthyOrg)!.patients[0]!;
      const healthy = await app.connectPatient('healthy-user', {
        orgId: healthyOrg,
        username: healthyPatient.username,
      });
      app.sandbox.faults.add({ org: orgId, kind: 'malformed', route: '/api/FHIR/R4/' });
      const [bad, good] = await Promise.allSettled([sync(poisoned), sync(healthy)]);
      assert.equal(bad.status, 'rejected');
      const error = (bad as PromiseRejectedResult).reason as SyncRunError;
      assert.equal(error.code, 'ERR_SYNC_FAILED');
      assert.match(error.message, /^sync of connection '.+' failed: \d+ of \d+ queries failed: /);
      assert.equal(good.status, 'fulfilled');
      await assertRecordMatchesSandbox(
        app.services.store,
        app.sandbox,
        healthy,
        healthyOrg,
        healthyPatient.id,
      );
    });
    it('retries resets and 5xx mid-paging; on exhaustion ends retryable and the next run resumes to the exact record (case 17)', async () => {
      const id = await connect();
      app.sandbox.faults.add({ org: orgId, route: 'Observation', kind: 'reset', times: 2, afterRequests: 4 });
      app.sandbox.faults.add({ org: orgId, route: 'Procedure', kind: 'status', status: 502, times: 1 });
      assert.equal((await sync(id, { fhirLimits: { bodyIdleMs: 1000 } })).status, 'succeeded');
      await assertExact(id);

      const again = await connect();
      app.sandbox.faults.add({
        org: orgId,
        route: 'Encounter',
        kind: 'status',
        status: 503,
        afterRequests: 2,
      });
      const error = await sync(again, { full: true, syncLimits: { pageSize: 20 } }).catch((e: unknown) => e);
      assert.ok(error instanceof SyncRunError);
      assert.equal(error.code, 'ERR_FHIR_RETRYABLE');
      assert.equal(error.summary.status, 'retryable');
      const runs = await app
        .api(`/api/connections/${again}/sync-runs`)
        .then((r) => r.json() as Promise<{ runs: Array<{ status: string; finishedAt: string | null }> }>);
      assert.equal(runs.runs[0]!.status, 'retryable');
      assert.equal(runs.runs[0]!.finishedAt, null);
      const cursors = await app.services.store.db
        .selectFrom('sync_query_states')
        .select(['query_key', 'next_url'])
        .where('run_id', '=', error.summary.runId)
        .where('next_url', 'is not', null)
        .execute();
      assert.ok(cursors.length >= 1, 'a checkpointed next link to resume from');
      app.sandbox.faults.clear();
      const resumed = await sync(again, { syncLimits: { pageSize: 20 } });
      assert.equal(resumed.resumed, true);
      assert.equal(resumed.runId, error.summary.runId);
      assert.equal(resumed.status, 'succeeded');
      await assertExact(again);
    });
  });
}
