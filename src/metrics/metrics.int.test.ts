import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMetricsApp } from '../http/metrics-app.ts';
import { createHttpApp } from '../http/app.ts';
import { hostPoolFor } from '../jobs/limits/host-slots.ts';
import { createDeadLetterRepository } from '../store/jobs-dead-letters.ts';
import { createSlotRepository } from '../store/jobs-slots.ts';
import { runSync } from '../sync/run-sync.ts';
import { startConnectedApp } from '../testing/connected-app.ts';
import { testDialects } from '../testing/databases.ts';

/** The value of one series (`name{labels}`) in a Prometheus text exposition, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

for (const dialect of testDialects) {
  describe(`/metrics after a demo connect and sync (${dialect})`, () => {
    it('shows refreshes, sync runs, resources, queue depth, dead letters, host slots and request durations', async () => {
      const app = await startConnectedApp({ dialect });
      try {
        const scrape = async () => {
          const response = await app.api('/metrics');
          assert.equal(response.status, 200);
          assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
          return response.text();
        };
        const fresh = await scrape();
        for (const outcome of ['refreshed', 'invalid_grant', 'invalid_client', 'failed', 'lease_lost'])
          assert.equal(sample(fresh, `chartbridge_token_refreshes_total{outcome="${outcome}"}`), 0, outcome);
        for (const status of ['succeeded', 'partial', 'failed', 'retryable'])
          assert.equal(sample(fresh, `chartbridge_sync_runs_total{status="${status}"}`), 0, status);
        assert.equal(sample(fresh, 'chartbridge_resources_stored_total'), 0);
        assert.equal(sample(fresh, 'chartbridge_jobs_queued{job="sync"}'), 0);
        assert.equal(sample(fresh, 'chartbridge_jobs_overdue{job="sync"}'), 0);
        assert.equal(sample(fresh, 'chartbridge_dead_letters'), 0);

        // Connecting queues the first sync (no worker runs it here); then a sync and a refresh in this process.
        const connectionId = await app.connectPatient('metrics-user');
        const summary = await runSync({ services: app.services, connectionId });
        assert.equal(summary.status, 'succeeded');
        assert.ok(summary.resources > 10, String(summary.resources));
        await app.services.vault.refreshNow(connectionId);
        assert.equal((await app.api(`/api/connections/${connectionId}`)).status, 200);
        assert.equal((await app.api(`/api/connections/${connectionId}`)).status, 200);
        assert.equal((await app.api('/api/no-such-route/abc')).status, 404);
        // A dead letter and two requests in flight to one EHR host, as workers would leave them.
        await createDeadLetterRepository(app.services.store.db).record({
          jobId: 'job-dead-1',
          name: 'sync',
          connectionId,
          data: JSON.stringify({ connectionId }),
          reason: 'test',
          attempts: 5,
          now: Date.now(),
        });
        const slots = createSlotRepository(app.services.store.db, app.services.store.dialect);
        for (const owner of ['worker-a#1', 'worker-a#2'])
          await slots.acquireMany({
            pool: hostPoolFor('ehr.example:8443'),
            limit: 5,
            count: 1,
            holderPrefix: `${owner}#`,
            ttlMs: 60_000,
            now: Date.now(),
          });

        // One re-sync past its start still waiting for room in the queue, one refresh not due yet.
        await app.services.store.db
          .insertInto('job_schedules')
          .values([
            {
              connection_id: connectionId,
              name: 'sync',
              next_at: Date.now() - 1000,
              token_version: null,
              queued_at: null,
            },
            {
              connection_id: connectionId,
              name: 'refresh',
              next_at: Date.now() + 600_000,
              token_version: 1,
              queued_at: null,
            },
          ])
          .execute();

        const text = await scrape();
        assert.equal(sample(text, 'chartbridge_token_refreshes_total{outcome="refreshed"}'), 1);
        assert.equal(sample(text, 'chartbridge_token_refreshes_total{outcome="invalid_grant"}'), 0);
        assert.equal(sample(text, 'chartbridge_sync_runs_total{status="succeeded"}'), 1);
        assert.equal(sample(text, 'chartbridge_sync_runs_total{status="failed"}'), 0);
        assert.equal(sample(text, 'chartbridge_resources_stored_total'), summary.resources);
        assert.equal(sample(text, 'chartbridge_jobs_queued{job="sync"}'), 1);
        assert.equal(sample(text, 'chartbridge_jobs_queued{job="refresh"}'), 0);
        assert.equal(sample(text, 'chartbridge_jobs_active{job="sync"}'), 0);
        assert.equal(sample(text, 'chartbridge_jobs_overdue{job="sync"}'), 1);
        assert.equal(sample(text, 'chartbridge_jobs_overdue{job="refresh"}'), 0);
        assert.equal(sample(text, 'chartbridge_dead_letters'), 1);
        assert.equal(sample(text, 'chartbridge_host_slots_in_use{host="ehr.example:8443"}'), 2);
        const duration = 'chartbridge_http_request_duration_seconds';
        assert.equal(
          sample(text, `${duration}_count{method="GET",route="/api/connections/:id",status="200"}`),
          2,
        );
        assert.equal(sample(text, `${duration}_count{method="GET",route="unmatched",status="404"}`), 1);
        // The patient's launch went through the callback route; the earlier scrapes are counted too.
        assert.equal(sample(text, `${duration}_count{method="GET",route="/metrics",status="200"}`), 1);
        assert.equal(sample(text, `${duration}_count{method="GET",route="/callback",status="303"}`), 1);
        assert.ok(sample(text, 'process_cpu_seconds_total')! > 0);
        // No id, token or raw path in any label.
        assert.ok(!text.includes(connectionId));
        assert.doesNotMatch(text, /no-such-route|metrics-user|code=|state=/);
        await app.assertNoSecretsLeaked([text]);

        // The connect flow's own log line carries the id of the request that wrote it, as its access line does.
        const logs = app.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
        const saved = logs.find(
          (line) => line.msg === 'connection saved' && line.connectionId === connectionId,
        );
        assert.match(String(saved?.requestId), /^[0-9a-f-]{36}$/);
        const sameRequest = logs.filter((line) => line.requestId === saved!.requestId);
        assert.deepEqual(
          sameRequest.map((line) => [line.msg, line.route, line.status]),
          [
            ['connection saved', undefined, undefined],
            ['request', '/callback', 303],
          ],
        );
      } finally {
        await app.close();
      }
    });

    it('needs the API key on the main port; on CHARTBRIDGE_METRICS_PORT it is served without one, and only there', async () => {
      const app = await startConnectedApp({ dialect, env: { CHARTBRIDGE_METRICS_PORT: '0' } });
      try {
        assert.equal(app.services.config.metricsPort, 0);
        // The running app was built with the port set: its /metrics is gone, key or not.
        assert.equal((await app.api('/metrics')).status, 404);
        const metricsApp = createMetricsApp(app.services);
        const open = await metricsApp.request('/metrics');
        assert.equal(open.status, 200);
        assert.match(await open.text(), /^# HELP /m);
        assert.equal((await metricsApp.request('/api/connections/x')).status, 404);
        // The same services without the separate port: /metrics on the main app, behind the key.
        const safeguards = {
          ...app.services.config.safeguards,
          apiKeyLockout: { maxFailures: 2, windowMs: 60_000 },
        };
        const main = createHttpApp({
          ...app.services,
          config: { ...app.services.config, metricsPort: undefined, safeguards },
        });
        // A scraper reads the refusal as JSON, like the API's.
        const keyless = await main.request('/metrics');
        assert.equal(keyless.status, 401);
        assert.equal(keyless.headers.get('content-type'), 'application/json');
        assert.deepEqual(await keyless.json(), {
          error: {
            code: 'ERR_UNAUTHORIZED',
            message: 'missing or wrong api key: send Authorization: Bearer <CHARTBRIDGE_API_KEY>',
          },
        });
        const keyed = await main.request('/metrics', { headers: { authorization: `Bearer ${app.apiKey}` } });
        assert.equal(keyed.status, 200);
        assert.match(await keyed.text(), /^chartbridge_dead_letters 0$/m);
        // One count of wrong keys for /metrics and /api: two guesses at /metrics lock the address out of both.
        const wrong = { headers: { authorization: 'Bearer wrong-key-wrong-key' } };
        assert.equal((await main.request('/metrics', wrong)).status, 401);
        assert.equal((await main.request('/metrics', wrong)).status, 401);
        const limited = await main.request('/metrics', {
          headers: { authorization: `Bearer ${app.apiKey}` },
        });
        assert.equal(limited.status, 429);
        assert.equal(((await limited.json()) as { error: { code: string } }).error.code, 'ERR_RATE_LIMITED');
        const api = await main.request('/api/users/nobody/connections', {
          headers: { authorization: `Bearer ${app.apiKey}` },
        });
        assert.equal(api.status, 429);
        await app.assertNoSecretsLeaked();
      } finally {
        await app.close();
      }
    });
  });
}
