import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createSlotRepository } from '../../store/jobs-slots.ts';
import { createTestStore, testDialects } from '../../testing/databases.ts';
import { killAll, spawnTestScript, type WorkerProcess } from '../../testing/jobs/worker-processes.ts';
import { hostPoolFor } from './host-slots.ts';

const processPath = fileURLToPath(new URL('../../testing/jobs/host-slot-process.ts', import.meta.url));

/** An EHR stand-in that answers after `holdMs` and records how many requests it had in flight at most. */
async function startCountingHost(holdMs: number) {
  let inFlight = 0;
  let peak = 0;
  let served = 0;
  const arrivals: number[] = [];
  const server: Server = createServer((_req, res) => {
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    arrivals.push(Date.now());
    setTimeout(() => {
      inFlight -= 1;
      served += 1;
      res.end('{}');
    }, holdMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir/Patient`,
    peak: () => peak,
    served: () => served,
    arrivals,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function doneLine(worker: WorkerProcess): Promise<{ takes: number; misses: number }> {
  return worker
    .waitForLine(/^done /, 60_000)
    .then((line) => JSON.parse(line.slice('done '.length)) as { takes: number; misses: number });
}

for (const dialect of testDialects) {
  test(`three worker processes never exceed the host limit, and take a slot from the database once per several requests (${dialect})`, async () => {
    const { url, cleanup } = await createTestStore(dialect);
    const host = await startCountingHost(30);
    const workers: WorkerProcess[] = [];
    try {
      for (let i = 0; i < 3; i += 1) {
        workers.push(
          spawnTestScript(processPath, {
            CHARTBRIDGE_DATABASE_URL: url,
            TARGET_URL: host.url,
            HOST_LIMIT: '3',
            REQUESTS: '60',
            PARALLEL: '3',
            SLOT_TTL_MS: '60000',
            OWNER: `process-${i}`,
          }),
        );
      }
      const results = await Promise.all(workers.map(doneLine));
      assert.equal(host.served(), 180);
      assert.equal(host.peak(), 3);
      // Without keeping slots, every request is one take and one give-back: 180 of each. Asking while the host is
      // full backs off, so waiting costs a few round trips a second, not one every 25 ms.
      const takes = results.reduce((sum, r) => sum + r.takes, 0);
      const misses = results.reduce((sum, r) => sum + r.misses, 0);
      assert.ok(takes <= 60, `${takes} takes from the database for 180 requests`);
      assert.ok(misses <= 90, `${misses} asks while the host was full, for 180 requests`);
    } finally {
      await killAll(workers);
      await host.close();
      await cleanup();
    }
  });

  test(`a killed worker's host slots come back when their lease ends, and not before (${dialect})`, async () => {
    const { store, url, cleanup } = await createTestStore(dialect);
    const host = await startCountingHost(200);
    const workers: WorkerProcess[] = [];
    const ttlMs = 6000;
    const settings = { CHARTBRIDGE_DATABASE_URL: url, TARGET_URL: host.url, HOST_LIMIT: '2', PARALLEL: '2' };
    try {
      const doomed = spawnTestScript(processPath, {
        ...settings,
        REQUESTS: '1000',
        SLOT_TTL_MS: String(ttlMs),
        OWNER: 'doomed',
      });
      workers.push(doomed);
      await doomed.waitForLine(/^holding$/, 30_000);
      doomed.child.kill('SIGKILL');
      const killedAt = Date.now();
      await doomed.exited;
      const slots = createSlotRepository(store.db, store.dialect);
      assert.equal(await slots.countHeld(hostPoolFor(host.url), Date.now()), 2);
      const before = host.arrivals.length;
      const survivor = spawnTestScript(processPath, {
        ...settings,
        REQUESTS: '4',
        SLOT_TTL_MS: String(ttlMs),
        OWNER: 'survivor',
      });
      workers.push(survivor);
      await survivor.waitForLine(/^started$/, 30_000);
      const startedAt = Date.now();
      await doneLine(survivor);
      const survivorArrivals = host.arrivals.slice(before);
      assert.equal(survivorArrivals.length, 4);
      // The dead worker's leases end between one renewal period (1 s) before `killedAt + ttlMs` and that time: the
      // survivor's first request waited for them, and came soon after.
      const leasesEnd = killedAt + ttlMs;
      const first = survivorArrivals[0]!;
      assert.ok(first >= leasesEnd - 1500, `first request ${leasesEnd - first} ms before the leases ended`);
      assert.ok(
        first <= Math.max(leasesEnd, startedAt) + 2000,
        `first request ${first - Math.max(leasesEnd, startedAt)} ms late`,
      );
      // No request ran beside the dead worker's last ones.
      assert.equal(host.peak(), 2);
    } finally {
      await killAll(workers);
      await host.close();
      await cleanup();
    }
  });
}
