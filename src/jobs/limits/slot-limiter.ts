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
   * The slot row's owner: this process's name and a number unique to this take from the database. Giving back
   * matches it exactly, so nothing done for one take can ever free a row the process took again.
   */
  holder: string;
  /** When this process took the slot from the database (hand-overs inside the process keep it). */
  takenAt: number;
}

interface Seeker {
  resolve(held: HeldSlot): void;
}

interface IdleSlot {
  held: HeldSlot;
  /** Gives the slot back to the database when nobody asked for it in time. */
  timer: NodeJS.Timeout;
}

/**
 * Concurrency limits enforced through the database: every slot is an expiring lease row, so ten workers on ten
 * hosts share one limit, and a crashed worker's slots come back after `ttlMs`. Inside a process: at most `limit`
 * holders-or-seekers per pool; one poller per pool asks the database while it is full.
 *
 * A slot taken from the database is kept by the process for up to `keepMs` and handed out locally: to a waiting
 * seeker when it is released, or, when nobody waits, it stays idle for up to `idleMs` for the next request (a sync
 * releases a slot and asks again a moment later, after parsing the page). Only after that does it go back to the
 * database, so other processes get their turn. At 300 ms a request a slot serves several requests per take and
 * give-back instead of one: the round trips that made PostgreSQL workers slower than SQLite ones (issue 17). The
 * limit is still the database's: a process never holds more rows than the pool has, kept or in use.
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
  /** How long a kept slot may sit unused, waiting for this process's next request, before it goes back. */
  idleMs?: number;
}): SlotLimiter {
  const ttlMs = input.ttlMs ?? 60_000;
  const pollMs = input.pollMs ?? 25;
  const maxPollMs = input.maxPollMs ?? 200;
  const keepMs = input.keepMs ?? 5000;
  const idleMs = input.idleMs ?? 250;
  const gate = createLocalGate();
  const seekers = new Map<string, Seeker[]>();
  const idle = new Map<string, IdleSlot[]>();
  const polling = new Set<string>();
  let takes = 0;
  let renewing = false;
  const renewTimer = setInterval(() => void renewHeld(), input.renewEveryMs ?? Math.max(1000, ttlMs / 3));
  renewTimer.unref();

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

  async function takeFromDatabase(pool: string, limit: number): Promise<HeldSlot | null> {
    const now = input.clock.now();
    takes += 1;
    const holder = `${input.owner}#${takes}`;
    const slot = await input.slots.acquire({ pool, limit, owner: holder, ttlMs, now });
    if (slot === null) return null;
    return { pool, slot, holder, takenAt: now };
  }

  function queueOf(pool: string): Seeker[] {
    let queue = seekers.get(pool);
    if (!queue) seekers.set(pool, (queue = []));
    return queue;
  }

  /**
   * Asks the database for a slot while this process has seekers for a full pool. The pause doubles with every
   * miss up to `maxPollMs`: other processes keep their slots up to `keepMs`, so asking every `pollMs` would mostly
   * cost round trips (many busy hosts at once made that hundreds of queries a second).
   */
  async function poll(pool: string, limit: number): Promise<void> {
    polling.add(pool);
    let misses = 0;
    try {
      while (queueOf(pool).length > 0) {
        const h = await takeFromDatabase(pool, limit).catch(() => null);
        if (!h) {
          misses += 1;
          await sleep(Math.min(maxPollMs, pollMs * 2 ** (misses - 1)) * (0.5 + Math.random()));
          continue;
        }
        misses = 0;
        const next = queueOf(pool).shift();
        // The seeker may have given up while we asked; then the slot goes straight back.
        if (next) next.resolve(h);
        else await giveBack(h);
      }
    } finally {
      polling.delete(pool);
    }
  }

  /** A kept slot of `pool` that nobody uses right now, taken off the idle list (no database round trip). */
  function takeIdle(pool: string): HeldSlot | null {
    const kept = idle.get(pool)?.shift();
    if (!kept) return null;
    clearTimeout(kept.timer);
    return kept.held;
  }

  function keepIdle(h: HeldSlot): void {
    const list = idle.get(h.pool) ?? [];
    idle.set(h.pool, list);
    const kept: IdleSlot = {
      held: h,
      timer: setTimeout(() => {
        const at = list.indexOf(kept);
        if (at === -1) return;
        list.splice(at, 1);
        void giveBack(h).catch(() => undefined);
      }, idleMs),
    };
    kept.timer.unref();
    list.push(kept);
  }

  async function seek(pool: string, limit: number, signal?: AbortSignal): Promise<HeldSlot> {
    const kept = takeIdle(pool);
    if (kept) return kept;
    if (queueOf(pool).length === 0) {
      const h = await takeFromDatabase(pool, limit);
      if (h) return h;
    }
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
      if (!polling.has(pool)) void poll(pool, limit);
    });
  }

  async function giveBack(h: HeldSlot): Promise<void> {
    await input.slots.release(h.pool, h.slot, h.holder);
  }

  function wrap(h: HeldSlot): Slot {
    let released = false;
    return {
      async release() {
        if (released) return;
        released = true;
        gate.leave(h.pool);
        if (input.clock.now() - h.takenAt >= keepMs) return giveBack(h);
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
        const h = takeIdle(pool) ?? (await takeFromDatabase(pool, limit));
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
      for (const list of idle.values()) for (const kept of list.splice(0)) clearTimeout(kept.timer);
      await input.slots.releaseOwner(input.owner);
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
