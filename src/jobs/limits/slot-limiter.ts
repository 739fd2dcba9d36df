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

/**
 * Concurrency limits enforced through the database: every slot is an expiring lease row, so ten workers on ten
 * hosts share one limit, and a crashed worker's slots come back after `ttlMs`. Inside a process: at most `limit`
 * holders-or-seekers per pool; one poller per pool asks the database while it is full; and a released slot goes
 * straight to a local seeker (no database round trip) for up to `handoverMs` after it was taken from the database,
 * then back to the database so other processes get their turn.
 */
export function createSlotLimiter(input: {
  slots: SlotRepository;
  owner: string;
  clock: Clock;
  /** Lease length of a slot; renewed while held, so it only bounds how long a crashed process blocks one. */
  ttlMs?: number;
  /** How often every lease this process holds is renewed (default a third of `ttlMs`, at least 1 s). */
  renewEveryMs?: number;
  /** Pause between attempts while a pool is full (jittered ×0.5–1.5). */
  pollMs?: number;
  handoverMs?: number;
}): SlotLimiter {
  const ttlMs = input.ttlMs ?? 60_000;
  const pollMs = input.pollMs ?? 25;
  const handoverMs = input.handoverMs ?? 1000;
  const gate = createLocalGate();
  const seekers = new Map<string, Seeker[]>();
  const polling = new Set<string>();
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

  async function poll(pool: string, limit: number): Promise<void> {
    polling.add(pool);
    try {
      while (queueOf(pool).length > 0) {
        const h = await takeFromDatabase(pool, limit).catch(() => null);
        if (!h) {
          await sleep(pollMs * (0.5 + Math.random()));
          continue;
        }
        const next = queueOf(pool).shift();
        // The seeker may have given up while we asked; then the slot goes straight back.
        if (next) next.resolve(h);
        else await giveBack(h);
      }
    } finally {
      polling.delete(pool);
    }
  }

  async function seek(pool: string, limit: number, signal?: AbortSignal): Promise<HeldSlot> {
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
        const next = queueOf(h.pool)[0];
        if (next && input.clock.now() - h.takenAt < handoverMs) {
          queueOf(h.pool).shift();
          next.resolve(h);
          return;
        }
        await giveBack(h);
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
        const h = await takeFromDatabase(pool, limit);
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
      await input.slots.releaseOwner(input.owner);
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
