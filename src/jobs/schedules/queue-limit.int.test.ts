import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock } from '../../clock.ts';
import { createSilentLogger } from '../../log/logger.ts';
import { createTestStore, testDialects } from '../../testing/databases.ts';
import { insertScheduleConnections } from '../../testing/jobs/schedule-connections.ts';
import { createJobQueue } from '../create-job-queue.ts';
import { createScheduler } from './scheduler.ts';
import { createWebhookNoticeSender } from './notices.ts';

/**
 * Case 45 with the real queue (pg-boss on PostgreSQL, the jobs table on SQLite): due re-syncs beyond the queue
 * limit wait in their schedule rows and go in, earliest first, as workers take jobs out.
 */
for (const dialect of testDialects) {
  test(`the scheduler keeps the real ${dialect} queue within its limit and queues the rest as it drains`, async () => {
    const { store, url, cleanup } = await createTestStore(dialect);
    // The real clock's now: pg-boss compares start times with the database's clock.
    const clock = createManualClock(Date.now());
    const t0 = clock.now();
    const queue = createJobQueue({ store, databaseUrl: url, clock, log: createSilentLogger() });
    await queue.start();
    try {
      // c-00 … c-04 also have tokens expiring in 10 minutes: their refreshes are due now.
      await insertScheduleConnections(store, t0, 30, (i) => ({
        refreshable: i < 5 ? 1 : 0,
        refresh_token_sealed: i < 5 ? 'sealed' : null,
        access_expires_at: i < 5 ? t0 + 10 * 60_000 : null,
        last_sync_at: t0 - 86_400_000,
        created_at: t0 - 86_400_000,
      }));
      // Every re-sync due, c-00 the longest ago.
      await store.db
        .insertInto('job_schedules')
        .values(
          Array.from({ length: 30 }, (_, i) => ({
            connection_id: `c-${String(i).padStart(2, '0')}`,
            name: 'sync',
            next_at: t0 - 60_000 + i * 1000,
            token_version: null,
            queued_at: null,
          })),
        )
        .execute();
      const scheduler = createScheduler({
        store,
        queue,
        clock,
        log: createSilentLogger(),
        owner: 'test',
        autoStart: false,
        settings: { queueLimit: 10, batchSize: 4 },
        notify: createWebhookNoticeSender({ url: undefined, secret: undefined, fetch, clock }),
      });
      const take = async (n: number) => {
        const taken: string[] = [];
        for (let i = 0; i < n; i += 1) {
          const job = await queue.fetch('sync');
          assert.ok(job, `job ${i + 1} of ${n}`);
          taken.push(job.data.connectionId);
          await queue.complete('sync', job.id, { status: 'done' });
        }
        return taken;
      };

      // A job waiting out an hour's backoff (an EHR down) takes no room: the others still go in.
      await queue.send('sync', { connectionId: 'c-backoff' }, { startAfter: t0 + 3_600_000 });
      assert.deepEqual(await scheduler.tick(), { refreshes: 5, syncs: 10, waiting: 20, notices: 0 });
      assert.equal(await queue.queued('sync', clock.now() + 60_000), 10);
      // The refreshes went through the real queue with the token version they were planned for.
      const refreshes = [];
      for (let job = await queue.fetch('refresh'); job; job = await queue.fetch('refresh')) {
        refreshes.push(job.data);
        await queue.complete('refresh', job.id, { status: 'done' });
      }
      assert.deepEqual(
        refreshes.sort((a, b) => a.connectionId.localeCompare(b.connectionId)),
        Array.from({ length: 5 }, (_, i) => ({ connectionId: `c-0${i}`, tokenVersion: 1 })),
      );
      // Full: nothing more goes in until workers take some.
      assert.deepEqual(await scheduler.tick(), { refreshes: 0, syncs: 0, waiting: 20, notices: 0 });
      const firstTaken = await take(6);
      assert.deepEqual(await scheduler.tick(), { refreshes: 0, syncs: 6, waiting: 14, notices: 0 });
      assert.equal(await queue.queued('sync', clock.now() + 60_000), 10);
      const rest = [...firstTaken, ...(await take(10))];
      assert.deepEqual(await scheduler.tick(), { refreshes: 0, syncs: 10, waiting: 4, notices: 0 });
      rest.push(...(await take(10)));
      assert.deepEqual(await scheduler.tick(), { refreshes: 0, syncs: 4, waiting: 0, notices: 0 });
      rest.push(...(await take(4)));
      assert.equal(await queue.fetch('sync'), null);
      // Every connection once; the ten queued first were the ten due first.
      assert.equal(new Set(rest).size, 30);
      assert.deepEqual(
        rest.slice(0, 10).sort(),
        Array.from({ length: 10 }, (_, i) => `c-0${i}`),
      );
      await scheduler.stop();
    } finally {
      await queue.stop();
      await cleanup();
    }
  });
}
