import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createJobQueue } from '../jobs/create-job-queue.ts';
import { killAll, spawnWorker, type WorkerProcess } from '../testing/jobs/worker-processes.ts';
import { createSilentLogger } from '../log/logger.ts';
import { createResourcesRepository } from '../store/resources-repository.ts';
import { noJobs, startConnectedApp } from '../testing/connected-app.ts';
import { testDialects } from '../testing/databases.ts';
import { waitFor } from '../testing/wait-for.ts';

const sample = (text: string, series: string) =>
  Number(
    text
      .split('\n')
      .find((line) => line.startsWith(`${series} `))
      ?.slice(series.length + 1),
  );

for (const dialect of testDialects) {
  test(`a worker with CHARTBRIDGE_METRICS_PORT serves /metrics without a key: the sync it ran, the queue it emptied (${dialect})`, async () => {
    const app = await startConnectedApp({ dialect, jobs: noJobs });
    const queue = createJobQueue({
      store: app.services.store,
      databaseUrl: app.cliEnv.CHARTBRIDGE_DATABASE_URL!,
      clock: app.services.clock,
      log: createSilentLogger(),
    });
    await queue.start();
    const workers: WorkerProcess[] = [];
    try {
      const connectionId = await app.connectPatient('worker-metrics-user');
      await queue.send('sync', { connectionId });
      const worker = spawnWorker(
        { ...app.cliEnv, CHARTBRIDGE_METRICS_PORT: '0', CHARTBRIDGE_LOG_LEVEL: 'info' },
        { real: true, args: ['--no-schedule'] },
      );
      workers.push(worker);
      const port = await waitFor(() => /"port":(\d+),"msg":"metrics listening"/.exec(worker.stderr())?.[1], {
        timeoutMs: 30_000,
        what: 'the metrics port in the worker log',
      });
      const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const text = await waitFor(
        async () => {
          const body = await scrape();
          return sample(body, 'chartbridge_sync_runs_total{status="succeeded"}') === 1 ? body : undefined;
        },
        { timeoutMs: 60_000, what: "the worker's sync run in its /metrics" },
      );
      const stored = await createResourcesRepository(app.services.store.db).countByType(connectionId);
      const total = [...stored.values()].reduce((sum, n) => sum + n, 0);
      assert.ok(total > 10, String(total));
      assert.equal(sample(text, 'chartbridge_resources_stored_total'), total);
      assert.equal(sample(text, 'chartbridge_sync_runs_total{status="failed"}'), 0);
      assert.equal(sample(text, 'chartbridge_jobs_queued{job="sync"}'), 0);
      assert.equal(sample(text, 'chartbridge_dead_letters'), 0);
      // That port serves /metrics only.
      assert.equal((await fetch(`http://127.0.0.1:${port}/api/connections/${connectionId}`)).status, 404);
      await app.assertNoSecretsLeaked([text, worker.stderr()]);
    } catch (error) {
      for (const worker of workers) console.error(`worker stderr:\n${worker.stderr().slice(-3000)}`);
      throw error;
    } finally {
      await killAll(workers);
      await queue.stop();
      await app.close();
    }
  });
}
