import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../clock.ts';
import { createSilentLogger } from '../log/logger.ts';
import { createTestStore, testDialects } from '../testing/databases.ts';
import { waitFor } from '../testing/wait-for.ts';
import { createJobQueue } from './create-job-queue.ts';

for (const dialect of testDialects) {
  test(`the ${dialect} queue coalesces queued jobs per connection, retries with backoff, then fails for good`, async () => {
    const { store, url, cleanup } = await createTestStore(dialect);
    const queue = createJobQueue({
      store,
      databaseUrl: url,
      clock: systemClock,
      log: createSilentLogger(),
      retry: { sync: { retryLimit: 1, retryDelayMs: 1000 } },
    });
    await queue.start();
    try {
      const first = await queue.send('sync', { connectionId: 'c1' });
      assert.equal(typeof first, 'string');
      assert.equal(await queue.send('sync', { connectionId: 'c1' }), null);
      assert.equal(typeof (await queue.send('sync', { connectionId: 'c1', full: true })), 'string');
      assert.equal(typeof (await queue.send('refresh', { connectionId: 'c1' })), 'string');
      // What the scheduler's queue limit counts: jobs not started yet that start within a bound, per kind.
      assert.equal(
        typeof (await queue.send('refresh', { connectionId: 'c2' }, { startAfter: Date.now() + 3_600_000 })),
        'string',
      );
      const soon = () => Date.now() + 60_000;
      assert.deepEqual([await queue.queued('sync', soon()), await queue.queued('refresh', soon())], [2, 1]);
      assert.equal(await queue.queued('refresh', Date.now() + 7_200_000), 2);

      const job = await queue.fetch('sync');
      assert.equal(job?.id, first);
      assert.deepEqual(job?.data, { connectionId: 'c1' });
      assert.equal(job?.retryCount, 0);
      const failedAt = Date.now();
      const failed = await queue.fail('sync', first!, 'ERR_TIMEOUT: page 3 timed out');
      assert.deepEqual(failed, { final: false, attempts: 1, data: { connectionId: 'c1' } });

      const full = await queue.fetch('sync');
      assert.deepEqual(full?.data, { connectionId: 'c1', full: true });
      await queue.complete('sync', full!.id, { status: 'done' });
      // The retry waits its backoff (1–2 s for the first retry), then comes back as attempt 2; it counts within a
      // bound past its start, not before.
      assert.equal(await queue.fetch('sync'), null);
      assert.deepEqual([await queue.queued('sync', soon()), await queue.queued('sync', failedAt)], [1, 0]);
      const again = await waitFor(() => queue.fetch('sync'), { timeoutMs: 5000, intervalMs: 200 });
      assert.equal(again.id, first);
      assert.equal(again.retryCount, 1);
      const last = await queue.fail('sync', first!, 'ERR_TIMEOUT: page 3 timed out');
      assert.deepEqual(last, { final: true, attempts: 2, data: { connectionId: 'c1' } });

      assert.deepEqual(await queue.stats(), [
        { name: 'refresh', queued: 2, active: 0 },
        { name: 'sync', queued: 0, active: 0 },
      ]);
      // Refreshes coalesce per token version: a waiting one for old tokens does not swallow the current one's.
      assert.equal(typeof (await queue.send('refresh', { connectionId: 'c3', tokenVersion: 1 })), 'string');
      assert.equal(await queue.send('refresh', { connectionId: 'c3', tokenVersion: 1 }), null);
      assert.equal(typeof (await queue.send('refresh', { connectionId: 'c3', tokenVersion: 2 })), 'string');
      assert.equal(await queue.queued('refresh', soon()), 3);
    } finally {
      await queue.stop();
      await cleanup();
    }
  });
}
