import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import { createManualClock } from '../../clock.ts';
import { createSilentLogger } from '../../log/logger.ts';
import { createRepositories } from '../../store/repositories.ts';
import { createTestStore, testDialects } from '../../testing/databases.ts';
import type { JobName, JobPayload, JobQueue, SendOptions } from '../job-queue.ts';
import { createScheduler } from './scheduler.ts';
import { createWebhookNoticeSender } from './notices.ts';
import { importDirectoryFromUrl } from '../../directory/update-directory.ts';
import { buildTestBrands, toBundleText } from '../../testing/directory-bundles.ts';
import { createJobLeaseRepository } from '../../store/jobs-leases.ts';
import type { Store } from '../../store/database.ts';
import type { Clock } from '../../clock.ts';

const minute = 60_000;

/** Records what the scheduler sends (the queue itself is tested elsewhere). */
function createRecordingQueue(): JobQueue & {
  sent: Array<{ name: JobName; data: JobPayload; startAfter: number }>;
} {
  const sent: Array<{ name: JobName; data: JobPayload; startAfter: number }> = [];
  return {
    kind: 'table',
    sent,
    start: async () => undefined,
    stop: async () => undefined,
    send: async (name: JobName, data: JobPayload, options: SendOptions = {}) => {
      sent.push({ name, data, startAfter: options.startAfter ?? 0 });
      return `job-${sent.length}`;
    },
    sendMany: async (name: JobName, jobs: Array<{ data: JobPayload; startAfter?: number }>) => {
      for (const { data, startAfter } of jobs) sent.push({ name, data, startAfter: startAfter ?? 0 });
    },
    fetch: async () => null,
    complete: async () => undefined,
    fail: async () => ({ final: false, attempts: 1, data: null }),
    stats: async () => [],
  };
}

for (const dialect of testDialects) {
  test(`the scheduler spreads refreshes and re-syncs due at once and sends each notice once (${dialect})`, async () => {
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
      await store.db.insertInto('users').values({ id: 'u1', created_at: t0 }).execute();
      for (let i = 0; i < 200; i += 1) {
        await repos.connections.insert({
          id: `c-${i}`,
          user_id: 'u1',
          endpoint_id: 'e1',
          fhir_base: 'https://ehr.example/fhir',
          issuer: 'https://ehr.example/fhir',
          token_endpoint: 'https://ehr.example/token',
          client_id: 'client',
          patient_id: `p${i}`,
          scope: 'patient/*.read',
          access_token_sealed: 'sealed',
          refresh_token_sealed: 'sealed',
          token_version: 1,
          access_expires_at: t0 + 15 * minute,
          persistent_access_ends_at: i < 2 ? t0 + 5 * 86_400_000 : t0 + 300 * 86_400_000,
          refreshable: 1,
          status: i >= 197 ? 'needs_reauth' : 'active',
          // c-5 never synced: the scheduler's safety net plans its first sync at once.
          last_sync_at: i === 5 ? null : t0,
          created_at: t0,
          updated_at: t0,
        });
      }
      const queue = createRecordingQueue();
      const scheduler = createScheduler({
        store,
        queue,
        clock,
        log: createSilentLogger(),
        owner: 'test',
        autoStart: false,
        // Batches smaller than what is due: one tick still plans them all, batch after batch (case 45).
        settings: { batchSize: 50 },
        notify: createWebhookNoticeSender({
          url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hooks`,
          secret: 'whsec-test',
          fetch,
          clock,
        }),
      });
      assert.deepEqual(await scheduler.tick(), { refreshes: 197, syncs: 1, notices: 5 });
      assert.deepEqual(
        queue.sent.filter((s) => s.name === 'sync'),
        [{ name: 'sync', data: { connectionId: 'c-5' }, startAfter: t0 }],
      );
      const refreshes = queue.sent.filter((s) => s.name === 'refresh').map((s) => s.startAfter);
      // Jittered into [expiry − 15 min, expiry − 10 min] = [t0, t0 + 5 min].
      assert.ok(refreshes.every((at) => at >= t0 && at <= t0 + 5 * minute));
      assert.ok(new Set(refreshes).size > 150, 'start times are spread');
      assert.ok(Math.max(...refreshes) - Math.min(...refreshes) > 3 * minute, 'spread over the window');
      assert.deepEqual(await scheduler.tick(), { refreshes: 0, syncs: 0, notices: 0 });

      clock.advance(25 * 3_600_000);
      queue.sent.length = 0;
      const later = await scheduler.tick();
      assert.equal(later.syncs, 197);
      const syncStarts = queue.sent.filter((s) => s.name === 'sync').map((s) => s.startAfter - clock.now());
      assert.ok(syncStarts.every((d) => d >= 0 && d <= 60 * minute));
      assert.ok(Math.max(...syncStarts) - Math.min(...syncStarts) > 30 * minute, 'overdue re-syncs spread');
      assert.deepEqual(queue.sent.filter((s) => s.name === 'sync')[0]!.data, {
        connectionId: queue.sent.find((s) => s.name === 'sync')!.data.connectionId,
      });

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

/** A directory publisher on 127.0.0.1 whose answer the test changes: a bundle, or an outage (503). */
async function startPublisher() {
  const state = { body: toBundleText(buildTestBrands(1)), status: 200, requests: 0 };
  const server = createServer((_req, res) => {
    state.requests += 1;
    res.writeHead(state.status, { 'content-type': 'application/fhir+json' });
    res.end(state.status === 200 ? state.body : 'unavailable');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/Brands.json`;
  return { state, url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A worker's scheduler with the scheduled directory update of `url` (loopback allowed for the test publisher). */
function schedulerWithDirectory(
  store: Store,
  clock: Clock,
  owner: string,
  settings: { url: string | undefined; intervalMs?: number },
) {
  const log = createSilentLogger();
  const deps = { db: store.db, clock, log, fetch };
  return createScheduler({
    store,
    queue: createRecordingQueue(),
    clock,
    log,
    owner,
    autoStart: false,
    notify: createWebhookNoticeSender({ url: undefined, secret: undefined, fetch, clock }),
    directory: {
      settings: { intervalMs: 24 * 3_600_000, retryMs: 3_600_000, ...settings },
      update: (url) => importDirectoryFromUrl(deps, { url, skipUnchanged: true, allowLoopback: true }),
    },
  });
}

for (const dialect of testDialects) {
  test(`the directory update runs on schedule in one worker at a time, unchanged content skipped, failures retried (${dialect})`, async () => {
    const { store, cleanup } = await createTestStore(dialect);
    const publisher = await startPublisher();
    const clock = createManualClock(Date.UTC(2026, 5, 1));
    const hour = 3_600_000;
    const imports = async () =>
      (
        await store.db
          .selectFrom('directory_imports')
          .select(['status', 'location'])
          .orderBy('started_at')
          .execute()
      ).map((row) => `${row.status} ${row.location === publisher.url ? 'url' : row.location}`);
    const brands = async () =>
      (
        await store.db
          .selectFrom('organizations')
          .select('name')
          .where('kind', '=', 'brand')
          .orderBy('name')
          .execute()
      ).map((row) => row.name);
    try {
      const w1 = schedulerWithDirectory(store, clock, 'w1', { url: publisher.url });
      const w2 = schedulerWithDirectory(store, clock, 'w2', { url: publisher.url });
      // Off without a URL, or with a zero interval: nothing is downloaded.
      assert.equal(
        await schedulerWithDirectory(store, clock, 'w3', { url: undefined }).updateDirectory(),
        'off',
      );
      const zero = schedulerWithDirectory(store, clock, 'w3', { url: publisher.url, intervalMs: 0 });
      assert.equal(await zero.updateDirectory(), 'off');
      assert.equal(publisher.state.requests, 0);

      // First tick of a fresh install: imported at once; then not due again for a day, in any worker.
      assert.equal(await w1.updateDirectory(), 'imported');
      assert.deepEqual(await brands(), ['Granite Clinic', 'Lakeview Medical Center', 'Summit Health']);
      assert.equal(await w2.updateDirectory(), 'not_due');
      // A worker shutting down releases its job leases, not the schedule.
      await createJobLeaseRepository(store.db, dialect).releaseOwner('w1');
      clock.advance(24 * hour - 1);
      assert.equal(await w2.updateDirectory(), 'not_due');
      assert.equal(publisher.state.requests, 1);

      // Due: two workers ticking together download once; the same content is not imported again.
      clock.advance(1);
      assert.deepEqual((await Promise.all([w1.updateDirectory(), w2.updateDirectory()])).sort(), [
        'not_due',
        'unchanged',
      ]);
      assert.equal(publisher.state.requests, 2);

      // The publisher is down a day later: retried an hour after the failure.
      publisher.state.status = 503;
      clock.advance(24 * hour);
      assert.equal(await w2.updateDirectory(), 'failed');
      // Then it publishes a directory that fails the sanity gates (a third of the endpoints gone): refused, the
      // current directory stays, and it is tried again an hour later.
      publisher.state.status = 200;
      publisher.state.body = toBundleText(buildTestBrands(2));
      clock.advance(hour - 1);
      assert.equal(await w1.updateDirectory(), 'not_due');
      clock.advance(1);
      assert.equal(await w1.updateDirectory(), 'failed');
      assert.deepEqual(await brands(), ['Granite Clinic', 'Lakeview Medical Center', 'Summit Health']);
      // A good directory is imported at the next attempt.
      publisher.state.body = toBundleText(buildTestBrands(1)).replace(
        '"Granite Clinic"',
        '"Granite Family Clinic"',
      );
      clock.advance(hour);
      assert.equal(await w2.updateDirectory(), 'imported');
      assert.deepEqual(await brands(), ['Granite Family Clinic', 'Lakeview Medical Center', 'Summit Health']);
      assert.equal(publisher.state.requests, 5);
      assert.deepEqual(await imports(), ['succeeded url', 'unchanged url', 'refused url', 'succeeded url']);
      await Promise.all([w1.stop(), w2.stop(), zero.stop()]);
    } finally {
      await publisher.close();
      await cleanup();
    }
  });
}
