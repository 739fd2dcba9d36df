import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock } from '../../clock.ts';
import { createSilentLogger } from '../../log/logger.ts';
import { createTestStore, testDialects } from '../../testing/databases.ts';
import { insertScheduleConnections } from '../../testing/jobs/schedule-connections.ts';
import { createRecordingQueue } from '../../testing/recording-queue.ts';
import { createWebhookNoticeSender } from './notices.ts';
import { createScheduler, nextTickDelayMs } from './scheduler.ts';

const hour = 3_600_000;

for (const dialect of testDialects) {
  test(`a re-sync queued late keeps its time of day; after an outage longer than the interval the next ones are spread again (${dialect})`, async () => {
    const { store, cleanup } = await createTestStore(dialect);
    const clock = createManualClock(Date.UTC(2026, 5, 1));
    const t0 = clock.now();
    try {
      await insertScheduleConnections(store, t0, 40, () => ({ refreshable: 0, access_expires_at: null }));
      const queue = createRecordingQueue(clock);
      const scheduler = createScheduler({
        store,
        queue,
        clock,
        log: createSilentLogger(),
        owner: 'test',
        autoStart: false,
        notify: createWebhookNoticeSender({ url: undefined, secret: undefined, fetch, clock }),
      });
      const nextAt = async () =>
        new Map(
          (
            await store.db
              .selectFrom('job_schedules')
              .select(['connection_id', 'next_at'])
              .where('name', '=', 'sync')
              .execute()
          ).map((row) => [row.connection_id, Number(row.next_at)]),
        );
      assert.equal((await scheduler.tick()).syncs, 0);
      const planned = await nextAt();
      assert.equal(planned.size, 40);

      // 20 minutes after the last one was due (a backlog): each next period is its own start plus a day.
      clock.advance(25 * hour + 20 * 60_000);
      assert.equal((await scheduler.tick()).syncs, 40);
      const kept = await nextAt();
      for (const [id, at] of planned) assert.equal(kept.get(id), at + 24 * hour, id);

      // Down for three days: the next periods start a day from now, spread over the jitter hour again, not all
      // at the moment the backlog drained.
      clock.advance(3 * 24 * hour);
      queue.take();
      assert.equal((await scheduler.tick()).syncs, 40);
      const now = clock.now();
      const spread = [...(await nextAt()).values()];
      assert.ok(spread.every((at) => at >= now + 24 * hour && at <= now + 25 * hour));
      assert.ok(Math.max(...spread) - Math.min(...spread) > 30 * 60_000, 'spread over the jitter hour');
      await scheduler.stop();
    } finally {
      await cleanup();
    }
  });

  test(`a catch-up tick only queues: planning and notices wait for the interval (${dialect})`, async () => {
    const { store, cleanup } = await createTestStore(dialect);
    const clock = createManualClock(Date.UTC(2026, 5, 1));
    try {
      // c-00 never synced: the planning step queues its first sync at once.
      await insertScheduleConnections(store, clock.now(), 3, (i) => ({
        last_sync_at: i === 0 ? null : clock.now(),
      }));
      const scheduler = createScheduler({
        store,
        queue: createRecordingQueue(clock),
        clock,
        log: createSilentLogger(),
        owner: 'test',
        autoStart: false,
        intervalMs: 30_000,
        notify: createWebhookNoticeSender({ url: undefined, secret: undefined, fetch, clock }),
      });
      assert.equal((await scheduler.tick()).syncs, 1);
      await store.db
        .updateTable('connections')
        .set({ last_sync_at: null })
        .where('id', '=', 'c-01')
        .execute();
      await store.db.deleteFrom('job_schedules').where('connection_id', '=', 'c-01').execute();
      clock.advance(5_000);
      assert.equal((await scheduler.tick()).syncs, 0, 'not planned on a catch-up tick');
      clock.advance(25_000);
      assert.equal((await scheduler.tick()).syncs, 1, 'planned once the interval has passed');
      await scheduler.stop();
    } finally {
      await cleanup();
    }
  });
}

test('the next tick comes after 5 s while due jobs wait for room, else after the interval', () => {
  const result = { refreshes: 0, syncs: 2000, waiting: 1, notices: 0 };
  assert.equal(nextTickDelayMs(result, 30_000), 5_000);
  assert.equal(nextTickDelayMs({ ...result, waiting: 0 }, 30_000), 30_000);
  // No lease (another process ticks): the regular interval.
  assert.equal(nextTickDelayMs(null, 30_000), 30_000);
  assert.equal(nextTickDelayMs(result, 2_000), 2_000);
});
