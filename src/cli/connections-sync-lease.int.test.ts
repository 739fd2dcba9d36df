import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createJobLeaseRepository } from '../store/jobs-leases.ts';
import { createSyncRunsRepository } from '../store/sync-runs-repository.ts';
import { testDialects } from '../testing/databases.ts';
import { noJobs, startConnectedApp } from '../testing/connected-app.ts';
import { runCli } from '../testing/run-cli.ts';

const lastLine = (text: string) => text.trim().split('\n').at(-1);

for (const dialect of testDialects) {
  test(`connections sync holds the connection's sync lease: refused while a worker has it, released after (${dialect})`, async () => {
    const app = await startConnectedApp({ dialect, jobs: noJobs });
    try {
      const id = await app.connectPatient('lease-user');
      const leases = createJobLeaseRepository(app.services.store.db, app.services.store.dialect);
      const runs = createSyncRunsRepository(app.services.store.db);
      const job = { name: 'sync', id: 'job-1' };
      const held = await leases.acquire({
        key: `sync:${id}`,
        owner: 'worker-a',
        ttlMs: 60_000,
        now: Date.now(),
        job,
      });
      assert.ok(held);
      const busy = await runCli(['connections', 'sync', id], { env: app.cliEnv });
      assert.deepEqual(
        [busy.code, lastLine(busy.stderr)],
        [
          1,
          `chartbridge: a worker is syncing connection '${id}' right now; its run shows in 'chartbridge connections show ${id}' when it ends`,
        ],
      );
      // The worker crashed: its lease expired but still names its job, which a worker's reaper must fail over.
      await app.services.store.db.updateTable('job_leases').set({ expires_at: 1 }).execute();
      const interrupted = await runCli(['connections', 'sync', id], { env: app.cliEnv });
      assert.equal(interrupted.code, 1);
      assert.match(
        lastLine(interrupted.stderr)!,
        /stopped without finishing; a running 'chartbridge worker' takes it over/,
      );
      assert.equal((await runs.listRuns(id, 5)).length, 0);

      await leases.release(held);
      const synced = await runCli(['connections', 'sync', id, '--json'], { env: app.cliEnv });
      assert.equal(synced.code, 0, synced.stderr);
      assert.equal((JSON.parse(synced.stdout) as { status: string }).status, 'succeeded');
      assert.deepEqual(await leases.find(`sync:${id}`), { owner: null, jobId: null, expiresAt: 0 });
      // A worker's sync job can take the lease at once: the sync by hand gave it back.
      assert.ok(
        await leases.acquire({ key: `sync:${id}`, owner: 'worker-b', ttlMs: 60_000, now: Date.now(), job }),
      );
    } finally {
      await app.close();
    }
  });
}
