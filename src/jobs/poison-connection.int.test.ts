import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSilentLogger } from '../log/logger.ts';
import { createDeadLetterRepository } from '../store/jobs-dead-letters.ts';
import { createSyncRunsRepository } from '../store/sync-runs-repository.ts';
import { assertRecordMatchesSandbox } from '../testing/sync/compare-with-sandbox.ts';
import { noJobs, startConnectedApp } from '../testing/connected-app.ts';
import { testDialects } from '../testing/databases.ts';
import { waitFor } from '../testing/wait-for.ts';
import { createJobQueue } from './create-job-queue.ts';
import { startWorker } from './start-worker.ts';

/**
 * Case 47 (docs/reliability-cases.md) with real parts: the sandbox answers every FHIR search of one hospital with a malformed page;
 * the real queue (the `jobs` table on SQLite, pg-boss on PostgreSQL) and the real worker with its real sync
 * handler retry that connection's sync until its retries are used up and it lands in the dead letters with its
 * reason, while another patient's sync through the same worker finishes with the exact record.
 */
for (const dialect of testDialects) {
  test(`a poison connection is dead-lettered with its reason by the real worker; another syncs exactly (case 47, ${dialect})`, async () => {
    const app = await startConnectedApp({ dialect, jobs: noJobs });
    const retry = { retryLimit: 1, retryDelayMs: 1000 };
    // Created before the worker's queue: on PostgreSQL the queue's creator fixes the retry policy.
    const queue = createJobQueue({
      store: app.services.store,
      databaseUrl: app.cliEnv.CHARTBRIDGE_DATABASE_URL!,
      clock: app.services.clock,
      log: createSilentLogger(),
      retry: { sync: retry, refresh: retry },
    });
    await queue.start();
    const worker = await startWorker(app.services, { schedule: false, concurrency: 2 });
    try {
      const poisonOrg = 'org-b';
      const healthyOrg = 'org-a';
      const healthyPatient = app.sandbox.data.organization(healthyOrg)!.patients[0]!;
      const poisoned = await app.connectPatient('poisoned', { orgId: poisonOrg });
      const healthy = await app.connectPatient('healthy', {
        orgId: healthyOrg,
        username: healthyPatient.username,
      });
      app.sandbox.faults.add({ org: poisonOrg, kind: 'malformed', route: '/api/FHIR/R4/' });
      await queue.send('sync', { connectionId: poisoned });
      await queue.send('sync', { connectionId: healthy });

      const deadLetters = createDeadLetterRepository(app.services.store.db);
      const [letter] = await waitFor(
        async () => {
          const rows = await deadLetters.list({ includeRedriven: true, limit: 10 });
          return rows.length > 0 ? rows : undefined;
        },
        { timeoutMs: 45_000, intervalMs: 100, what: 'the poison job in the dead letters' },
      );
      assert.equal(letter!.name, 'sync');
      assert.equal(letter!.connection_id, poisoned);
      assert.equal(letter!.attempts, retry.retryLimit + 1);
      assert.match(
        letter!.reason,
        new RegExp(
          `^ERR_SYNC_FAILED: sync of connection '${poisoned}' failed: (\\d+) of \\1 queries failed: Patient, Observation:laboratory, `,
        ),
      );
      assert.deepEqual(JSON.parse(letter!.data), { connectionId: poisoned });
      // Each attempt was a real run that recorded, per query, why nothing arrived.
      const runs = createSyncRunsRepository(app.services.store.db);
      const poisonRuns = await runs.listRuns(poisoned, 10);
      assert.deepEqual(
        poisonRuns.map((r) => r.status),
        Array.from({ length: retry.retryLimit + 1 }, () => 'failed'),
      );
      const states = await runs.listQueryStates(poisonRuns[0]!.id);
      assert.equal(
        states.find((q) => q.query_key === 'Patient')?.reason,
        'the Patient read is not valid json',
      );

      await waitFor(async () => (await runs.findLatest(healthy, ['succeeded'])) !== undefined, {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: 'the healthy sync to succeed',
      });
      await assertRecordMatchesSandbox(
        app.services.store,
        app.sandbox,
        healthy,
        healthyOrg,
        healthyPatient.id,
      );
      // Dead means done: nothing queued or running for it any more, no retry storm, and the grant is untouched.
      await waitFor(async () => (await queue.stats()).every((q) => q.queued === 0 && q.active === 0), {
        what: 'the queue to drain',
      });
      assert.equal(await deadLetters.countOpen(), 1);
      assert.equal((await app.services.repos.connections.findById(poisoned))?.status, 'active');
    } finally {
      await worker.stop();
      await queue.stop();
      await app.close();
    }
  });
}
