import type { Clock } from '../../clock.ts';
import type { SlotRepository } from '../../store/jobs-slots.ts';
import { createLocalGate } from './local-gate.ts';

export interface Slot {
  /** Gives the slot back (idempotent). */
  release(): Promise<void>;
}

export interface SlotLimiter {
  /** Waits for a slot of `pool` (shared by every process on the database); rejects when `signal` aborts. */
  acquire(pool: string, limit: number, signal?: AbortSignal): Promise<Slot>;
  /** Takes a slot only if one is free now. */
  tryAcquire(pool: string, limit: number): Promise<Slot | null>;
  /** Frees everything this process holds (graceful shutdown). */
  releaseAll(): Promise<void>;
}

interface HeldSlot {
  pool: string;
  slot: number;
  /**
   * The slot row's owner: this process's name, a number unique to the take and the slot (`{owner}#{n}s{slot}`).
   * Giving back matches it exactly, so nothing done for one take can ever free a row the process took again.
   */
  holder: string;
  /** When this process took the slot from the database (hand-overs inside the process keep it). */
  takenAt: number;
}

interface Seeker {
  resolve(held: HeldSlot): void;
}

/**
 * Concurrency limits enforced through the database: every slot is an expiring lease row, so ten workers on ten
 * hosts share one limit, and a crashed worker's slots come back after `ttlMs`. Inside a process: at most `limit`
 * holders-or-seekers per pool, and one pump per pool asks the database for as many slots as it has seekers.
 *
 * Round trips are what made PostgreSQL workers slower than SQLite ones (issue 17), so slots move in batches:
 * - a sync's requests to a host start together; their seekers are gathered for one turn of the event loop and
 *   their slots taken in one statement;
 * - a slot taken from the database is kept for up to `keepMs` and handed out locally: to a waiting seeker when it is
 *   released, or, when nobody waits, it stays idle for the process's next request (a sync releases a slot and asks
 *   again after parsing the page). When no request of the process has touched the pool for `idleMs`, all its idle
 *   slots go back in one statement, so other processes get their turn.
 * The limit is still the database's: a process never holds more rows than the pool has, kept or in use.
 */
export function createSlotLimiter(input: {
  slots: SlotRepository;
  owner: string;
  clock: Clock;
  /** Lease length of a slot; renewed while held, so it only bounds how long a crashed process blocks one. */
  ttlMs?: number;
  /** How often every lease this process holds is renewed (default a third of `ttlMs`, at least 1 s). */
  renewEveryMs?: number;
  /** First pause between attempts while a pool is full, doubling up to `maxPollMs` (each jittered ×0.5–1.5). */
  pollMs?: number;
  maxPollMs?: number;
  /** How long after its take from the database a slot may still be handed out inside this process. */
  keepMs?: number;
  /** How long a pool's kept slots may sit unused, waiting for this process's next request, before they go back. */
  idleMs?: number;
}): SlotLimiter {
  const ttlMs = input.ttlMs ?? 60_000;
  const pollMs = input.pollMs ?? 25;
  const maxPollMs = input.maxPollMs ?? 200;
  const keepMs = input.keepMs ?? 5000;
  const idleMs = input.idleMs ?? 250;
  const gate = createLocalGate();
  const seekers = new Map<string, Seeker[]>();
  const idle = new Map<string, { slots: HeldSlot[]; timer?: NodeJS.Timeout }>();
  const pumping = new Set<string>();
  let takes = 0;
  let renewing = false;
  const renewTimer = setInterval(() => void renewHeld(), input.renewEveryMs ?? Math.max(1000, ttlMs / 3));
  renewTimer.unref();

  /**
   * One statement renews every lease this process holds, however many. (Renewing row by row took longer than
   * the interval under load, so passes overlapped and an old pass's expiry reached slots taken since: a lease
   * set to end in the past let another process take a slot that was in use.)
   */
  async function renewHeld(): Promise<void> {
    if (renewing) return;
    renewing = true;
    try {
      await input.slots.renewOwner(input.owner, input.clock.now() + ttlMs);
    } catch {
      // The next tick tries again; a lease lasts three intervals.
    } finally {
      renewing = false;
    }
  }

  async function takeFromDatabase(pool: string, limit: number, count: number): Promise<HeldSlot[]> {
    const now = input.clock.now();
    takes += 1;
    const rows = await input.slots.acquireMany({
      pool,
      limit,
      count,
      holderPrefix: `${input.owner}#${takes}s`,
      ttlMs,
      now,
    });
    return rows.map((r) => ({ pool, slot: r.slot, holder: r.holder, takenAt: now }));
  }

  function queueOf(pool: string): Seeker[] {
    let queue = seekers.get(pool);
    if (!queue) seekers.set(pool, (queue = []));
    return queue;
  }

  function idleOf(pool: string) {
    let entry = idle.get(pool);
    if (!entry) idle.set(pool, (entry = { slots: [] }));
    return entry;
  }

  /**
   * Takes slots for this pool's seekers, as many per statement as there are seekers, until none is left. When the
   * pool is full the pause doubles with every miss up to `maxPollMs`: other processes keep their slots up to
   * `keepMs`, so asking every `pollMs` would mostly cost round trips.
   */
  async function pump(pool: string, limit: number): Promise<void> {
    pumping.add(pool);
    let misses = 0;
    try {
      // One turn of the event loop first: the other requests of a sync that started together join this take.
      await new Promise((resolve) => setImmediate(resolve));
      while (queueOf(pool).length > 0) {
        const taken = await takeFromDatabase(pool, limit, queueOf(pool).length).catch(() => []);
        if (taken.length === 0) {
          misses += 1;
          await sleep(Math.min(maxPollMs, pollMs * 2 ** (misses - 1)) * (0.5 + Math.random()));
          continue;
        }
        misses = 0;
        for (const h of taken) {
          const next = queueOf(pool).shift();
          // A seeker may have given up while we asked; its slot waits for the next request or goes back.
          if (next) next.resolve(h);
          else keepIdle(h);
        }
      }
    } finally {
      pumping.delete(pool);
    }
  }

  /** A kept slot of `pool` that nobody uses right now, taken off the idle list (no database round trip). */
  function takeIdle(pool: string): HeldSlot | null {
    const entry = idle.get(pool);
    const h = entry?.slots.shift();
    if (!h) return null;
    armIdleTimer(pool);
    return h;
  }

  function keepIdle(h: HeldSlot): void {
    idleOf(h.pool).slots.push(h);
    armIdleTimer(h.pool);
  }

  /** Every use of a pool postpones the give-back of its idle slots; after `idleMs` without one, all go at once. */
  function armIdleTimer(pool: string): void {
    const entry = idleOf(pool);
    clearTimeout(entry.timer);
    if (entry.slots.length === 0) return;
    entry.timer = setTimeout(() => {
      const slots = entry.slots.splice(0);
      void giveBack(pool, slots).catch(() => undefined);
    }, idleMs);
    entry.timer.unref();
  }

  async function seek(pool: string, limit: number, signal?: AbortSignal): Promise<HeldSlot> {
    const kept = takeIdle(pool);
    if (kept) return kept;
    return new Promise<HeldSlot>((resolve, reject) => {
      const seeker: Seeker = { resolve };
      queueOf(pool).push(seeker);
      signal?.addEventListener(
        'abort',
        () => {
          const queue = queueOf(pool);
          if (queue.includes(seeker)) queue.splice(queue.indexOf(seeker), 1);
          reject(signal.reason);
        },
        { once: true },
      );
      if (!pumping.has(pool)) void pump(pool, limit);
    });
  }

  async function giveBack(pool: string, held: HeldSlot[]): Promise<void> {
    await input.slots.releaseMany(
      pool,
      held.map((h) => h.holder),
    );
  }

  function wrap(h: HeldSlot): Slot {
    let released = false;
    return {
      async release() {
        if (released) return;
        released = true;
        gate.leave(h.pool);
        if (input.clock.now() - h.takenAt >= keepMs) return giveBack(h.pool, [h]);
        const next = queueOf(h.pool).shift();
        if (next) next.resolve(h);
        else keepIdle(h);
      },
    };
  }

  return {
    async acquire(pool, limit, signal) {
      await gate.enter(pool, limit, signal);
      try {
        signal?.throwIfAborted();
        return wrap(await seek(pool, limit, signal));
      } catch (error) {
        gate.leave(pool);
        throw error;
      }
    },

    async tryAcquire(pool, limit) {
      if (!gate.tryEnter(pool, limit)) return null;
      try {
        const h = takeIdle(pool) ?? (await takeFromDatabase(pool, limit, 1))[0];
        if (h) return wrap(h);
      } catch (error) {
        gate.leave(pool);
        throw error;
      }
      gate.leave(pool);
      return null;
    },

    async releaseAll() {
      clearInterval(renewTimer);
      for (const entry of idle.values()) {
        clearTimeout(entry.timer);
        entry.slots.length = 0;
      }
      await input.slots.releaseOwner(input.owner);
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
