import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHostLimiter } from '../fhir/host-limiter.ts';
import { createSilentLogger } from '../log/logger.ts';
import { loadSandboxData } from '../sandbox/data/load-data.ts';
import { createDeadLetterRepository } from '../store/jobs-dead-letters.ts';
import { createJobLeaseRepository } from '../store/jobs-leases.ts';
import { createResourcesRepository } from '../store/resources-repository.ts';
import { createSyncRunsRepository } from '../store/sync-runs-repository.ts';
import { runSync } from '../sync/run-sync.ts';
import { startConnectedApp, type ConnectedApp } from '../testing/connected-app.ts';
import { testDialects } from '../testing/databases.ts';
import { waitFor } from '../testing/wait-for.ts';
import { createJobHandlers } from './handlers.ts';
import type { JobQueue, QueuedJob } from './job-queue.ts';
import { leaseKeyFor, runJob } from './run-job.ts';
import { createRunSync } from './start-worker.ts';

/** A queue that only records: a job that lost its lease must not complete, fail or resend anything. */
function createRecordingQueue(): JobQueue & { calls: string[] } {
  const calls: string[] = [];
  const record = (call: string) => async () => {
    calls.push(call);
    return null as never;
  };
  return {
    kind: 'table',
    calls,
    start: async () => undefined,
    stop: async () => undefined,
    send: record('send'),
    sendMany: record('sendMany'),
    fetch: async () => null,
    complete: record('complete'),
    fail: record('fail'),
    queued: async () => 0,
    stats: async () => [],
  };
}

async function storedCount(app: ConnectedApp, connectionId: string): Promise<number> {
  const counts = await createResourcesRepository(app.services.store.db).countByType(connectionId);
  return [...counts.values()].reduce((sum, n) => sum + n, 0);
}

/**
 * Holds FHIR request number `at` (and every later one) until `onHold` has run once: the test takes the lease
 * over there, while the zombie's sync is mid-run.
 */
function createHoldingFetch(inner: typeof fetch, at: number, onHold: () => Promise<void>): typeof fetch {
  let requests = 0;
  let held: Promise<void> | undefined;
  return async (input, init) => {
    requests += 1;
    if (requests >= at) {
      held ??= onHold();
      await held;
    }
    return inner(input, init);
  };
}

for (const dialect of testDialects) {
  test(`a sync job whose lease was taken over mid-run commits no further page and is not retried (${dialect})`, async () => {
    const data = await loadSandboxData({
      organizations: 1,
      synthetic: { patients: 1, resourcesPerPatient: 400, seed: 5 },
    });
    const app = await startConnectedApp({ dialect, sandboxOptions: { pageSize: 10, data } });
    try {
      const db = app.services.store.db;
      const connectionId = await app.connectPatient('zombie-sync');
      const leases = createJobLeaseRepository(db, dialect);
      const key = leaseKeyFor('sync', connectionId);
      const taken: { before?: number; fence?: Awaited<ReturnType<typeof leases.acquire>> } = {};
      let takeoverDone: Promise<void> | undefined;
      const takeover = async () => {
        await waitFor(async () => (await storedCount(app, connectionId)) > 0, { what: 'a first page' });
        // The zombie's lease looks expired to another worker (its clock is past the expiry): a real takeover.
        taken.fence = await leases.acquire({
          key,
          owner: 'new-worker',
          ttlMs: 60_000,
          now: app.services.clock.now() + 120_000,
        });
        // The takeover waited for any page commit holding the lease row; from here on the count is final.
        taken.before = await storedCount(app, connectionId);
      };
      const fetchWithTakeover = createHoldingFetch(app.services.fetch, 12, () => (takeoverDone = takeover()));
      const queue = createRecordingQueue();
      const job: QueuedJob = {
        id: 'job-1',
        name: 'sync',
        data: { connectionId },
        retryCount: 0,
        retryLimit: 4,
      };
      const outcome = await runJob(
        {
          queue,
          leases,
          deadLetters: createDeadLetterRepository(db),
          handlers: createJobHandlers({
            services: app.services,
            runSync: createRunSync({ ...app.services, fetch: fetchWithTakeover }),
            limiter: createHostLimiter(),
            refreshFreshForMs: 60_000,
          }),
          owner: 'zombie-worker',
          clock: app.services.clock,
          log: createSilentLogger(),
          // No heartbeat during the test: the page commits' own fence check is what stops the zombie.
          leaseTtlMs: 60_000,
          heartbeatMs: 3_600_000,
          handBackDelayMs: 0,
        },
        job,
        new AbortController().signal,
      );

      // The zombie can stop (a page already in flight meets the new lease) before the takeover has counted.
      await takeoverDone;
      assert.equal(outcome, 'lease_lost');
      assert.ok(taken.before !== undefined && taken.before > 0, 'the takeover happened mid-run');
      assert.equal(await storedCount(app, connectionId), taken.before);
      assert.deepEqual(queue.calls, []);
      assert.deepEqual(await createDeadLetterRepository(db).list({ includeRedriven: true, limit: 10 }), []);
      const lease = await db
        .selectFrom('job_leases')
        .selectAll()
        .where('key', '=', key)
        .executeTakeFirstOrThrow();
      assert.deepEqual([lease.owner, lease.fence, lease.job_id], ['new-worker', 2, null]);
      // The zombie recorded no outcome: the run is still open for the new holder, which finishes it.
      const runs = createSyncRunsRepository(db);
      assert.equal((await runs.findLatest(connectionId, ['running']))?.status, 'running');
      assert.equal(
        await runs.findLatest(connectionId, ['succeeded', 'partial', 'failed', 'retryable']),
        undefined,
      );

      const resumed = await runSync({ services: app.services, connectionId, fence: taken.fence! });
      assert.equal(resumed.status, 'succeeded');
      const clean = await app.connectPatient('clean-sync');
      await runSync({ services: app.services, connectionId: clean });
      const total = await storedCount(app, clean);
      assert.ok(total > taken.before, `the whole record (${total}) is more than the zombie stored`);
      assert.equal(await storedCount(app, connectionId), total);
    } finally {
      await app.close();
    }
  });
}
