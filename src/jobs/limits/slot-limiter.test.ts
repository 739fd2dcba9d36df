import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../clock.ts';
import { createSlotRepository } from '../../store/jobs-slots.ts';
import { createTestStore, testDialects } from '../../testing/databases.ts';
import { openStore } from '../../store/database.ts';
import { createHostLimiter, hostPoolFor } from './host-limiter.ts';
import { createSlotLimiter } from './slot-limiter.ts';

for (const dialect of testDialects) {
  test(`three limiters on one database never hold more than the host limit, and all work completes (${dialect})`, async () => {
    const { store, url, cleanup } = await createTestStore(dialect);
    // Separate stores (pools/connections) per limiter, like separate processes.
    const stores = [openStore(url), openStore(url), openStore(url)];
    try {
      const hosts = stores.map((s, i) =>
        createHostLimiter({
          hostLimit: 3,
          limiter: createSlotLimiter({
            slots: createSlotRepository(s.db, s.dialect),
            owner: `process-${i}`,
            clock: systemClock,
            pollMs: 5,
            handoverMs: 50,
          }),
        }),
      );
      let current = 0;
      let peak = 0;
      let done = 0;
      await Promise.all(
        Array.from({ length: 90 }, (_, task) =>
          hosts[task % 3]!.withHostSlot('https://ehr.example:8443/fhir/Patient', async () => {
            current += 1;
            peak = Math.max(peak, current);
            await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 6));
            current -= 1;
            done += 1;
          }),
        ),
      );
      assert.equal(done, 90);
      assert.equal(peak, 3);
      // Everything was given back to the database.
      const slots = createSlotRepository(store.db, store.dialect);
      assert.equal(await slots.countHeld(hostPoolFor('ehr.example:8443'), Date.now()), 0);
    } finally {
      for (const s of stores) await s.close();
      await cleanup();
    }
  });
}

for (const dialect of testDialects) {
  test(`the global job limit: tryAcquire takes a free slot across processes or returns null at once (${dialect})`, async () => {
    const { store, url, cleanup } = await createTestStore(dialect);
    const other = openStore(url);
    try {
      const limiterOf = (s: typeof store, owner: string) =>
        createSlotLimiter({ slots: createSlotRepository(s.db, s.dialect), owner, clock: systemClock });
      const [a, b] = [limiterOf(store, 'worker-a'), limiterOf(other, 'worker-b')];
      const first = await a.tryAcquire('global', 2);
      const second = await b.tryAcquire('global', 2);
      assert.ok(first && second);
      assert.equal(await a.tryAcquire('global', 2), null);
      assert.equal(await b.tryAcquire('global', 2), null);
      await first.release();
      const third = await b.tryAcquire('global', 2);
      assert.ok(third);
      // Shutdown frees everything an owner holds.
      await b.releaseAll();
      assert.equal(await createSlotRepository(store.db, store.dialect).countHeld('global', Date.now()), 0);
      await a.releaseAll();
    } finally {
      await other.close();
      await cleanup();
    }
  });
  test(`a slot row is freed only by the take that holds it, and an owner's shutdown frees all its takes (${dialect})`, async () => {
    const { store, cleanup } = await createTestStore(dialect);
    try {
      const slots = createSlotRepository(store.db, store.dialect);
      const take = (owner: string) =>
        slots.acquire({ pool: 'p', limit: 1, owner, ttlMs: 60_000, now: Date.now() });
      assert.equal(await take('worker-a#1'), 0);
      await slots.release('p', 0, 'worker-a#1');
      assert.equal(await take('worker-a#2'), 0);
      // A late give-back of the first take must not free the row the process took again.
      await slots.release('p', 0, 'worker-a#1');
      assert.equal(await take('worker-b#1'), null);
      assert.equal(await slots.releaseOwner('worker-a'), 1);
      assert.equal(await take('worker-b#1'), 0);
      // A name that merely starts with the owner's is someone else's.
      assert.equal(await slots.releaseOwner('worker'), 0);
      assert.equal(await slots.countHeld('p', Date.now()), 1);
    } finally {
      await cleanup();
    }
  });
}

test('host pools are keyed by host and port, case-insensitively', () => {
  assert.equal(hostPoolFor('https://EHR.example/fhir'), 'host:ehr.example');
  assert.equal(hostPoolFor(new URL('http://127.0.0.2:8080/x')), 'host:127.0.0.2:8080');
  // A bare host is https; its default port is dropped, as in URL.host (what the FHIR client passes).
  assert.equal(hostPoolFor('fhir.example:443'), 'host:fhir.example');
});
