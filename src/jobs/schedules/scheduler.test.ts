import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import { createManualClock } from '../../clock.ts';
import { createSilentLogger } from '../../log/logger.ts';
import { createRepositories } from '../../store/repositories.ts';
import { createTestStore, testDialects } from '../../testing/databases.ts';
import { insertScheduleConnections } from '../../testing/jobs/schedule-connections.ts';
import { createRecordingQueue, type SentJob } from '../../testing/recording-queue.ts';
import { createScheduler } from './scheduler.ts';
import { createWebhookNoticeSender } from './notices.ts';

const minute = 60_000;

/** A repeatable spread: the same start times on every run. */
function seededRandom(seed = 42): () => number {
  let state = seed;
  return () => (state = (state * 16_807) % 2_147_483_647) / 2_147_483_647;
}

const ids = (jobs: SentJob[]) => jobs.map((job) => job.data.connectionId);

for (const dialect of testDialects) {
  test(`the scheduler queues refreshes and re-syncs only as they fall due, earliest first, never more than its limit, and sends each notice once (${dialect})`, async () => {
    const { store, cleanup } = await createTestStore(dialect);
    const received: Array<{ body: string; signature: string }> = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ body, signature: String(req.headers['x-chartbridge-signature']) });
        res.end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    const clock = createManualClock(Date.UTC(2026, 5, 1));
    const t0 = clock.now();
    try {
      const repos = createRepositories(store.db);
      await insertScheduleConnections(store, t0, 200, (i) => ({
        access_expires_at: t0 + 15 * minute,
        persistent_access_ends_at: i < 2 ? t0 + 5 * 86_400_000 : t0 + 300 * 86_400_000,
        status: i >= 197 ? 'needs_reauth' : 'active',
        // c-05 never synced: the scheduler's safety net queues its first sync at once.
        last_sync_at: i === 5 ? null : t0,
      }));
      const queue = createRecordingQueue(clock);
      const scheduler = createScheduler({
        store,
        queue,
        clock,
        log: createSilentLogger(),
        owner: 'test',
        autoStart: false,
        random: seededRandom(),
        // Batches smaller than what is due: one tick still plans them all, batch after batch (case 45).
        settings: { batchSize: 50, queueLimit: 120 },
        notify: createWebhookNoticeSender({
          url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hooks`,
          secret: 'whsec-test',
          fetch,
          clock,
        }),
      });
      const first = await scheduler.tick();
      assert.deepEqual({ ...first, refreshes: 0 }, { refreshes: 0, syncs: 1, waiting: 0, notices: 5 });
      assert.deepEqual(
        queue.sent.filter((s) => s.name === 'sync'),
        [{ name: 'sync', data: { connectionId: 'c-05' }, startAfter: t0, at: t0 }],
      );
      // 197 refreshes are planned in [expiry − 15 min, expiry − 10 min] = [t0, t0 + 5 min]; only the first
      // minute's go into the queue now.
      assert.equal(first.refreshes, queue.sent.filter((s) => s.name === 'refresh').length);
      assert.ok(
        first.refreshes > 10 && first.refreshes < 100,
        `${first.refreshes} queued in the first minute`,
      );

      // A token refreshed on demand meanwhile: its waiting plan is dropped, not queued.
      const last = await store.db
        .selectFrom('job_schedules')
        .select('connection_id')
        .where('name', '=', 'refresh')
        .where('queued_at', 'is', null)
        .orderBy('next_at', 'desc')
        .executeTakeFirstOrThrow();
      await store.db
        .updateTable('connections')
        .set({ token_version: 2, access_expires_at: t0 + 2 * 3_600_000 })
        .where('id', '=', last.connection_id)
        .execute();

      // Ticks every 30 s: each refresh is queued once, at most a minute before its start.
      for (let i = 0; i < 12; i += 1) {
        clock.advance(30_000);
        queue.take();
        const result = await scheduler.tick();
        assert.equal(result.waiting, 0);
      }
      const refreshes = queue.sent.filter((s) => s.name === 'refresh');
      assert.equal(refreshes.length, 196);
      assert.equal(new Set(ids(refreshes)).size, 196);
      assert.ok(!ids(refreshes).includes(last.connection_id));
      for (const job of refreshes) {
        assert.ok(job.startAfter >= t0 && job.startAfter <= t0 + 5 * minute, 'in the jitter window');
        assert.ok(job.startAfter <= job.at + minute, 'queued at most a minute ahead');
        assert.deepEqual(Object.keys(job.data), ['connectionId', 'tokenVersion']);
        assert.equal(job.data.tokenVersion, 1);
      }
      const starts = refreshes.map((job) => job.startAfter);
      assert.ok(new Set(starts).size > 150, 'start times are spread');
      assert.ok(Math.max(...starts) - Math.min(...starts) > 3 * minute, 'spread over the window');
      assert.deepEqual(await scheduler.tick(), { refreshes: 0, syncs: 0, waiting: 0, notices: 0 });

      // A day later every re-sync is due, c-05's second one too (and every refresh plan is stale: its token never
      // changed). The connection whose re-sync is due first was revoked meanwhile: its schedule is dropped, not
      // queued.
      const { connection_id: revoked } = await store.db
        .selectFrom('job_schedules')
        .select('connection_id')
        .where('name', '=', 'sync')
        .orderBy('next_at')
        .executeTakeFirstOrThrow();
      await store.db
        .updateTable('connections')
        .set({ status: 'revoked' })
        .where('id', '=', revoked)
        .execute();
      clock.advance(25 * 3_600_000);
      queue.take();
      queue.sent.length = 0;
      queue.take();
      const later = await scheduler.tick();
      // The queue holds at most 120 of a kind: the rest waits, in order, for the workers to take some.
      assert.deepEqual(later, { refreshes: 120, syncs: 120, waiting: 76 + 76, notices: 0 });
      assert.deepEqual(await scheduler.tick(), { refreshes: 0, syncs: 0, waiting: 76 + 76, notices: 0 });
      queue.take();
      assert.deepEqual(await scheduler.tick(), { refreshes: 76, syncs: 76, waiting: 0, notices: 0 });
      const syncs = queue.sent.filter((s) => s.name === 'sync');
      assert.equal(new Set(ids(syncs)).size, 196);
      assert.ok(!ids(syncs).includes(revoked));
      const syncStarts = syncs.map((job) => job.startAfter);
      assert.deepEqual(
        syncStarts,
        [...syncStarts].sort((a, b) => a - b),
        'earliest first, across ticks',
      );
      // Each started where it was planned: a day after its last sync, spread over the jitter hour.
      assert.ok(syncStarts.every((at) => at >= t0 + 24 * 3_600_000 && at <= t0 + 25 * 3_600_000));
      assert.ok(Math.max(...syncStarts) - Math.min(...syncStarts) > 30 * minute, 're-syncs spread');
      assert.deepEqual(syncs[0]!.data, { connectionId: syncs[0]!.data.connectionId });
      assert.equal(
        await store.db
          .selectFrom('job_schedules')
          .select('connection_id')
          .where('connection_id', '=', revoked)
          .where('name', '=', 'sync')
          .executeTakeFirst(),
        undefined,
      );

      assert.equal(received.length, 5);
      const types = received.map((r) => JSON.parse(r.body).type).sort();
      assert.deepEqual(types, [
        'connection.access_ending',
        'connection.access_ending',
        'connection.needs_reauth',
        'connection.needs_reauth',
        'connection.needs_reauth',
      ]);
      for (const { body, signature } of received) {
        const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature)!;
        assert.equal(v1, createHmac('sha256', 'whsec-test').update(`${t}.${body}`).digest('hex'));
        // Ids and times only: nothing sealed, no tokens.
        const keys = Object.keys(JSON.parse(body)).filter((k) => k !== 'accessEndsAt');
        assert.deepEqual(keys, ['type', 'connectionId', 'userId']);
        assert.ok(!body.includes('sealed'));
      }
      const audit = (await repos.audit.listAll()).filter((r) => r.action.startsWith('notice.'));
      assert.equal(audit.length, 5);
      assert.deepEqual(
        audit.filter((r) => r.action === 'notice.access_ending').map((r) => JSON.parse(r.detail)),
        [
          { accessEndsAt: new Date(t0 + 5 * 86_400_000).toISOString() },
          { accessEndsAt: new Date(t0 + 5 * 86_400_000).toISOString() },
        ],
      );
      await scheduler.stop();
    } finally {
      hook.close();
      await cleanup();
    }
  });
}
