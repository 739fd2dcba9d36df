import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createManualClock, type Clock } from '../../clock.ts';
import { createSilentLogger } from '../../log/logger.ts';
import { testDialects, createTestStore } from '../../testing/databases.ts';
import { createRecordingQueue } from '../../testing/recording-queue.ts';
import { importDirectoryFromUrl } from '../../directory/update-directory.ts';
import { buildTestBrands, toBundleText } from '../../testing/directory-bundles.ts';
import { createJobLeaseRepository } from '../../store/jobs-leases.ts';
import type { Store } from '../../store/database.ts';
import { createScheduler } from './scheduler.ts';
import { createWebhookNoticeSender } from './notices.ts';

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
