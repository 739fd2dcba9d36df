import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock, systemClock } from '../../clock.ts';
import { createSlotRepository, type SlotRepository } from '../../store/jobs-slots.ts';
import { createTestStore, testDialects } from '../../testing/databases.ts';
import { openStore } from '../../store/database.ts';
import { waitFor } from '../../testing/wait-for.ts';
import { createHostSlots, hostPoolFor } from './host-slots.ts';
import { createSlotLimiter } from './slot-limiter.ts';

for (const dialect of testDialects) {
  test(`three limiters on one database never hold more than the host limit, and all work completes (${dialect})`, async () => {
    const { store, url, cleanup } = await createTestStore(dialect);
    // Separate stores (pools/connections) per limiter, like separate processes.
    const stores = [openStore(url), openStore(url), openStore(url)];
    try {
      const hosts = stores.map((s, i) =>
        createHostSlots({
          hostLimit: 3,
          limiter: createSlotLimiter({
            slots: createSlotRepository(s.db, s.dialect),
            owner: `process-${i}`,
            clock: systemClock,
            pollMs: 5,
            keepMs: 50,
            idleMs: 5,
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
      // Everything was given back to the database once nobody asked for it (after `idleMs`).
      const slots = createSlotRepository(store.db, store.dialect);
      await waitFor(async () => (await slots.countHeld(hostPoolFor('ehr.example:8443'), Date.now())) === 0, {
        what: 'every slot back in the database',
      });
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
      // A released slot is kept a moment for its process's next job (no round trip), then goes back for others.
      await first.release();
      assert.equal(await b.tryAcquire('global', 2), null);
      const again = await a.tryAcquire('global', 2);
      assert.ok(again);
      await again.release();
      const third = await waitFor(() => b.tryAcquire('global', 2), { what: 'the slot back in the database' });
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
      const take = async (holderPrefix: string) =>
        (
          await slots.acquireMany({
            pool: 'p',
            limit: 1,
            count: 1,
            holderPrefix,
            ttlMs: 60_000,
            now: Date.now(),
          })
        ).map((r) => `${r.slot} ${r.holder}`);
      assert.deepEqual(await take('worker-a#1s'), ['0 worker-a#1s0']);
      await slots.releaseMany('p', ['worker-a#1s0']);
      assert.deepEqual(await take('worker-a#2s'), ['0 worker-a#2s0']);
      // A late give-back of the first take must not free the row the process took again.
      await slots.releaseMany('p', ['worker-a#1s0']);
      assert.deepEqual(await take('worker-b#1s'), []);
      assert.equal(await slots.releaseOwner('worker-a'), 1);
      assert.deepEqual(await take('worker-b#1s'), ['0 worker-b#1s0']);
      // A name that merely starts with the owner's is someone else's.
      assert.equal(await slots.releaseOwner('worker'), 0);
      assert.equal(await slots.countHeld('p', Date.now()), 1);
    } finally {
      await cleanup();
    }
  });
}

for (const dialect of testDialects) {
  test(`renewing extends an owner's leases and its takes', never another's, and never shortens one (${dialect})`, async () => {
    const { store, cleanup } = await createTestStore(dialect);
    try {
      const slots = createSlotRepository(store.db, store.dialect);
      const t = 1_000_000;
      const take = async (holderPrefix: string, count = 1) =>
        (await slots.acquireMany({ pool: 'p', limit: 3, count, holderPrefix, ttlMs: 60_000, now: t })).map(
          (r) => r.slot,
        );
      // One statement takes several slots, each with its own holder.
      assert.deepEqual(await take('worker-a#1s', 2), [0, 1]);
      assert.deepEqual(await take('worker-ab#1s', 2), [2]);
      assert.equal(await slots.renewOwner('worker-a', t + 120_000), 2);
      assert.equal(await slots.countHeld('p', t + 90_000), 2);
      assert.equal(await slots.renewOwner('worker-a', t + 30_000), 0);
      assert.equal(await slots.countHeld('p', t + 120_000), 2);
      assert.equal(await slots.countHeld('p', t + 120_001), 0);
    } finally {
      await cleanup();
    }
  });

  test(`a renewal still on its way never cuts short a lease taken after it was computed (${dialect})`, async () => {
    const { store, cleanup } = await createTestStore(dialect);
    try {
      const slots = createSlotRepository(store.db, store.dialect);
      const clock = createManualClock(1_000_000);
      let letFirstThrough = () => {};
      const firstHeld = new Promise<void>((resolve) => (letFirstThrough = resolve));
      let calls = 0;
      let firstDone = false;
      // The first renewal waits until the test lets it through; later ones never arrive (they would mend it).
      const slowRenewals: SlotRepository = {
        ...slots,
        async renewOwner(owner, expiresAt) {
          calls += 1;
          if (calls > 1) return new Promise<number>(() => {});
          await firstHeld;
          const renewed = await slots.renewOwner(owner, expiresAt);
          firstDone = true;
          return renewed;
        },
      };
      const limiter = createSlotLimiter({
        slots: slowRenewals,
        owner: 'worker-a',
        clock,
        ttlMs: 60_000,
        renewEveryMs: 5,
      });
      await limiter.acquire('p', 2);
      // The renewal computed its expiry now: 1_060_000.
      await waitFor(() => calls === 1, { what: 'a renewal under way' });
      clock.set(1_030_000);
      await limiter.acquire('p', 2);
      letFirstThrough();
      await waitFor(() => firstDone, { what: 'the slow renewal done' });
      // The slot taken at 1_030_000 still holds its lease to 1_090_000; the first one ends at 1_060_000.
      assert.equal(await slots.countHeld('p', 1_059_000), 2);
      assert.equal(await slots.countHeld('p', 1_070_000), 1);
      assert.deepEqual(
        await slots.acquireMany({
          pool: 'p',
          limit: 2,
          count: 2,
          holderPrefix: 'worker-b#1s',
          ttlMs: 1,
          now: 1_070_000,
        }),
        [{ slot: 0, holder: 'worker-b#1s0' }],
      );
      await limiter.releaseAll();
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

for (const dialect of testDialects) {
  test(`live leases per pool for /metrics: released and expired slots count 0, every pool listed (${dialect})`, async () => {
    const { store, cleanup } = await createTestStore(dialect);
    try {
      const slots = createSlotRepository(store.db, store.dialect);
      const t = 1_000_000;
      const take = async (pool: string, owner: string, ttlMs = 60_000) =>
        (await slots.acquireMany({ pool, limit: 5, count: 1, holderPrefix: `${owner}#`, ttlMs, now: t }))[0];
      assert.deepEqual(await slots.countHeldByPool(t), []);
      await take('host:a.example', 'w#1');
      await take('host:a.example', 'w#2');
      await take('host:a.example', 'w#3', 1_000);
      const released = await take('host:b.example', 'w#4');
      await slots.releaseMany('host:b.example', [released!.holder]);
      await take('global', 'w#5');
      assert.deepEqual(await slots.countHeldByPool(t + 500), [
        { pool: 'global', held: 1 },
        { pool: 'host:a.example', held: 3 },
        { pool: 'host:b.example', held: 0 },
      ]);
      assert.deepEqual(await slots.countHeldByPool(t + 1_001), [
        { pool: 'global', held: 1 },
        { pool: 'host:a.example', held: 2 },
        { pool: 'host:b.example', held: 0 },
      ]);
    } finally {
      await cleanup();
    }
  });
}
