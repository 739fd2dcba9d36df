import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createJobQueue } from '../jobs/create-job-queue.ts';
import type { JobSender } from '../jobs/job-sender.ts';
import { createSilentLogger } from '../log/logger.ts';
import { startConnectedApp, type ConnectedApp } from '../testing/connected-app.ts';
import { testDialects } from '../testing/databases.ts';

/** Runs through what is queued, as a worker would (fetch, complete), on a second client of the app's queue. */
async function takeQueued(app: ConnectedApp) {
  const queue = createJobQueue({
    store: app.services.store,
    databaseUrl: app.cliEnv.CHARTBRIDGE_DATABASE_URL!,
    clock: app.services.clock,
    log: createSilentLogger(),
  });
  await queue.start();
  try {
    const jobs = [];
    for (let job = await queue.fetch('sync'); job; job = await queue.fetch('sync')) {
      jobs.push({ name: job.name, data: job.data });
      await queue.complete(job.name, job.id, { status: 'done' });
    }
    return { sync: jobs, refresh: await queue.fetch('refresh') };
  } finally {
    await queue.stop();
  }
}

for (const dialect of testDialects) {
  test(`connecting queues the connection's first sync at once, ids only (${dialect})`, async () => {
    const app = await startConnectedApp({ dialect });
    try {
      const connectionId = await app.connectPatient('first-sync');
      assert.deepEqual(await takeQueued(app), {
        sync: [{ name: 'sync', data: { connectionId } }],
        refresh: null,
      });
      // A re-authorisation of the same patient replaces the grant and queues a sync of the same connection.
      assert.equal(await app.connectPatient('first-sync'), connectionId);
      assert.deepEqual(await takeQueued(app), {
        sync: [{ name: 'sync', data: { connectionId } }],
        refresh: null,
      });
      await app.assertNoSecretsLeaked();
    } finally {
      await app.close();
    }
  });
}

test('a queue that cannot be reached does not fail the connection: a warning, and the scheduler catches up', async () => {
  const attempts: string[] = [];
  const unreachable: JobSender = {
    send: async (name, data) => {
      attempts.push(`${name}:${data.connectionId}`);
      throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    },
    stats: async () => [],
    stop: async () => undefined,
  };
  const app = await startConnectedApp({ jobs: unreachable });
  try {
    const connectionId = await app.connectPatient('queue-down');
    assert.deepEqual(attempts, [`sync:${connectionId}`]);
    const row = await app.services.repos.connections.findById(connectionId);
    assert.equal(row?.status, 'active');
    const warnings = app.logs
      .map((line) => JSON.parse(line) as { level: number; msg: string; connectionId?: string; err?: string })
      .filter((line) => line.msg.startsWith('could not queue'));
    assert.deepEqual(
      warnings.map(({ level, msg, connectionId: id, err }) => ({ level, msg, connectionId: id, err })),
      [
        {
          level: 40,
          msg: 'could not queue the first sync; the scheduler will queue it',
          connectionId,
          err: 'Error',
        },
      ],
    );
  } finally {
    await app.close();
  }
});
