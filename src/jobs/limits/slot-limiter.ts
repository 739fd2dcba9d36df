import type { Clock } from '../../clock.ts';
import type { SlotRepository } from '../../store/jobs-slots.ts';

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

/**
 * Concurrency limits enforced through the database: every slot is an expiring lease row, so ten workers on ten
 * hosts share one limit, and a crashed worker's slots come back after `ttlMs`. Inside one process, waiters for a
 * pool queue locally first (never more than `limit` of them ask the database), which keeps polling cheap.
 */
export function createSlotLimiter(input: {
  slots: SlotRepository;
  owner: string;
  clock: Clock;
  /** Lease length of a slot; renewed while held, so it only bounds how long a crashed process blocks one. */
  ttlMs?: number;
  /** Pause between attempts while a pool is full (jittered ×0.5–1.5). */
  pollMs?: number;
}): SlotLimiter {
  const ttlMs = input.ttlMs ?? 60_000;
  const pollMs = input.pollMs ?? 25;
  const local = new Map<string, { held: number; waiters: Array<() => void> }>();
  const heldSlots = new Set<{ pool: string; slot: number }>();
  const renewTimer = setInterval(() => void renewHeld(), Math.max(1000, ttlMs / 3));
  renewTimer.unref();

  async function renewHeld(): Promise<void> {
    const expiresAt = input.clock.now() + ttlMs;
    for (const held of heldSlots) {
      await input.slots.renew(held.pool, held.slot, input.owner, expiresAt).catch(() => false);
    }
  }

  function localGate(pool: string) {
    let gate = local.get(pool);
    if (!gate) local.set(pool, (gate = { held: 0, waiters: [] }));
    return gate;
  }

  async function enterLocal(pool: string, limit: number, signal?: AbortSignal): Promise<void> {
    const gate = localGate(pool);
    while (gate.held >= limit) {
      signal?.throwIfAborted();
      await new Promise<void>((resolve) => {
        gate.waiters.push(resolve);
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    gate.held += 1;
  }

  function leaveLocal(pool: string): void {
    const gate = localGate(pool);
    gate.held -= 1;
    // Wake every waiter; each re-checks the count (a waiter that gave up may still sit in the list).
    for (const wake of gate.waiters.splice(0)) wake();
  }

  function wrap(pool: string, slot: number): Slot {
    const held = { pool, slot };
    heldSlots.add(held);
    let released = false;
    return {
      async release() {
        if (released) return;
        released = true;
        heldSlots.delete(held);
        leaveLocal(pool);
        await input.slots.release(pool, slot, input.owner);
      },
    };
  }

  async function takeFromDatabase(pool: string, limit: number): Promise<number | null> {
    return input.slots.acquire({ pool, limit, owner: input.owner, ttlMs, now: input.clock.now() });
  }

  // While a pool is full, one waiter per pool and process polls the database; the others queue behind it, so
  // ten processes × many syncs make ten pollers, not hundreds (the database stays free for real work).
  const pollers = new Map<string, Promise<void>>();

  async function pollDatabase(pool: string, limit: number, signal?: AbortSignal): Promise<number> {
    for (;;) {
      const ahead = pollers.get(pool);
      if (ahead) {
        await ahead;
        signal?.throwIfAborted();
        continue;
      }
      let endTurn = () => undefined as void;
      pollers.set(pool, new Promise<void>((resolve) => (endTurn = resolve)));
      try {
        for (;;) {
          const slot = await takeFromDatabase(pool, limit);
          if (slot !== null) return slot;
          await sleep(pollMs * (0.5 + Math.random()), signal);
          signal?.throwIfAborted();
        }
      } finally {
        pollers.delete(pool);
        endTurn();
      }
    }
  }

  return {
    async acquire(pool, limit, signal) {
      await enterLocal(pool, limit, signal);
      try {
        signal?.throwIfAborted();
        return wrap(pool, await pollDatabase(pool, limit, signal));
      } catch (error) {
        leaveLocal(pool);
        throw error;
      }
    },

    async tryAcquire(pool, limit) {
      if (localGate(pool).held >= limit) return null;
      localGate(pool).held += 1;
      try {
        const slot = await takeFromDatabase(pool, limit);
        if (slot !== null) return wrap(pool, slot);
      } catch (error) {
        leaveLocal(pool);
        throw error;
      }
      leaveLocal(pool);
      return null;
    },

    async releaseAll() {
      clearInterval(renewTimer);
      heldSlots.clear();
      await input.slots.releaseOwner(input.owner);
    },
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
