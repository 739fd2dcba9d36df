/**
 * A per-process counting gate per pool: at most `limit` holders-or-seekers of one pool inside this process, so
 * a process never asks the database for more slots than the pool has.
 */
export interface LocalGate {
  enter(pool: string, limit: number, signal?: AbortSignal): Promise<void>;
  /** Enters only if there is room now. */
  tryEnter(pool: string, limit: number): boolean;
  leave(pool: string): void;
}

export function createLocalGate(): LocalGate {
  const gates = new Map<string, { held: number; waiters: Array<() => void> }>();
  const gateOf = (pool: string) => {
    let gate = gates.get(pool);
    if (!gate) gates.set(pool, (gate = { held: 0, waiters: [] }));
    return gate;
  };
  return {
    async enter(pool, limit, signal) {
      const gate = gateOf(pool);
      while (gate.held >= limit) {
        signal?.throwIfAborted();
        await new Promise<void>((resolve) => {
          gate.waiters.push(resolve);
          signal?.addEventListener('abort', () => resolve(), { once: true });
        });
      }
      gate.held += 1;
    },
    tryEnter(pool, limit) {
      const gate = gateOf(pool);
      if (gate.held >= limit) return false;
      gate.held += 1;
      return true;
    },
    leave(pool) {
      const gate = gateOf(pool);
      gate.held -= 1;
      // Wake every waiter; each re-checks the count (a waiter that gave up may still sit in the list).
      for (const wake of gate.waiters.splice(0)) wake();
    },
  };
}
