import type { HostLimiter } from './host-limiter.ts';

interface Waiter {
  priority: number;
  order: number;
  start(): void;
}

/**
 * One sync run's own queue in front of the shared per-host limiter. The run keeps at most `capacity` of its
 * requests per host past this gate, and when a slot frees, the waiting request with the highest priority goes
 * next (first come, first served among equals). The shared limiter still caps all runs together; this only
 * decides which of the run's own requests use its share, so the longest chains of pages never queue behind
 * one-page searches that could run later.
 */
export function createPriorityLimiter(shared: HostLimiter, capacity: number): HostLimiter {
  if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError('capacity must be a positive integer');
  const hosts = new Map<string, { active: number; waiting: Waiter[] }>();
  let arrivals = 0;

  function entryFor(host: string) {
    let entry = hosts.get(host);
    if (!entry) {
      entry = { active: 0, waiting: [] };
      hosts.set(host, entry);
    }
    return entry;
  }

  async function pass(host: string): Promise<() => void> {
    let releaseShared: () => void;
    try {
      releaseShared = await shared.acquire(host);
    } catch (error) {
      leave(host);
      throw error;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      releaseShared();
      leave(host);
    };
  }

  function leave(host: string): void {
    const entry = entryFor(host);
    const next = takeHighest(entry.waiting);
    if (next) return next.start();
    entry.active -= 1;
    if (entry.active === 0) hosts.delete(host);
  }

  return {
    acquire(host, priority = 0) {
      const entry = entryFor(host);
      if (entry.active < capacity) {
        entry.active += 1;
        return pass(host);
      }
      // The gate's place passes straight from the leaver to the waiter, so `active` stays at capacity.
      return new Promise((resolve, reject) => {
        entry.waiting.push({
          priority,
          order: (arrivals += 1),
          start: () => pass(host).then(resolve, reject),
        });
      });
    },
    active: (host) => shared.active(host),
  };
}

function takeHighest(waiting: Waiter[]): Waiter | undefined {
  if (waiting.length === 0) return undefined;
  let best = 0;
  for (let i = 1; i < waiting.length; i += 1) {
    const candidate = waiting[i]!;
    const current = waiting[best]!;
    if (
      candidate.priority > current.priority ||
      (candidate.priority === current.priority && candidate.order < current.order)
    )
      best = i;
  }
  return waiting.splice(best, 1)[0];
}
