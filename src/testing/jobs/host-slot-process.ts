/**
 * A test process that sends requests to one host through the database-enforced host limit, as a worker's FHIR
 * client does: `REQUESTS` requests, `PARALLEL` at a time, each holding a slot of the host while it is in flight.
 * Prints `started`, then `holding` once it holds `PARALLEL` slots at once (so a test can kill it mid-request), and at the end
 * `done {"takes":N,"misses":M}`: how many times it took slots from the database, and asked while the host was full
 * (the round trips the limit costs).
 * Env: CHARTBRIDGE_DATABASE_URL, TARGET_URL, HOST_LIMIT, REQUESTS, PARALLEL, SLOT_TTL_MS, OWNER.
 */
import { systemClock } from '../../clock.ts';
import { createHostSlots } from '../../jobs/limits/host-slots.ts';
import { createSlotLimiter } from '../../jobs/limits/slot-limiter.ts';
import { openStore } from '../../store/database.ts';
import { createSlotRepository } from '../../store/jobs-slots.ts';

const env = process.env;
const store = openStore(env.CHARTBRIDGE_DATABASE_URL!);
const target = env.TARGET_URL!;
const requests = Number(env.REQUESTS);
const parallel = Number(env.PARALLEL);
const slots = createSlotRepository(store.db, store.dialect);
let takes = 0;
let misses = 0;
const limiter = createSlotLimiter({
  slots: {
    ...slots,
    async acquireMany(input) {
      const taken = await slots.acquireMany(input);
      if (taken.length === 0) misses += 1;
      else takes += 1;
      return taken;
    },
  },
  owner: env.OWNER!,
  clock: systemClock,
  ttlMs: Number(env.SLOT_TTL_MS),
});
const hosts = createHostSlots({ hostLimit: Number(env.HOST_LIMIT), limiter });

console.log('started');
let sent = 0;
let inFlight = 0;
let announced = false;
await Promise.all(
  Array.from({ length: parallel }, async () => {
    while (sent < requests) {
      sent += 1;
      await hosts.withHostSlot(target, async () => {
        inFlight += 1;
        if (inFlight === parallel && !announced) {
          announced = true;
          console.log('holding');
        }
        const response = await fetch(target);
        await response.text();
        inFlight -= 1;
      });
      // A client parses a page before it asks for the next one.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }),
);
// A worker's shutdown: slots kept for the next request go back at once.
await limiter.releaseAll();
console.log(`done ${JSON.stringify({ takes, misses })}`);
await store.close();
