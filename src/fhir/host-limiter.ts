/**
 * Caps concurrent requests per EHR host, shared by every sync in the process (Epic-grade peers keep to about
 * five per organisation). FIFO, so a long sync cannot starve a short one that queued earlier.
 */
export interface HostLimiter {
  /**
   * Resolves with a release function once a slot for `host` is free. `priority` (higher first) matters only to
   * limiters that order their waiters by it (a sync run's own queue); the shared ones are first come, first served.
   */
  acquire(host: string, priority?: number): Promise<() => void>;
  /** Requests in flight for `host` right now. */
  active(host: string): number;
}

export function createHostLimiter(options: { maxPerHost?: number } = {}): HostLimiter {
  const max = options.maxPerHost ?? 5;
  if (!Number.isInteger(max) || max < 1) throw new TypeError('maxPerHost must be a positive integer');
  const state = new Map<string, { active: number; waiting: Array<() => void> }>();

  function slot(host: string) {
    let entry = state.get(host);
    if (!entry) {
      entry = { active: 0, waiting: [] };
      state.set(host, entry);
    }
    return entry;
  }

  function makeRelease(host: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const entry = slot(host);
      const next = entry.waiting.shift();
      if (next) return next();
      entry.active -= 1;
      if (entry.active === 0) state.delete(host);
    };
  }

  return {
    acquire(host) {
      const entry = slot(host);
      if (entry.active < max) {
        entry.active += 1;
        return Promise.resolve(makeRelease(host));
      }
      // The slot passes straight from the releaser to the waiter, so `active` stays at max meanwhile.
      return new Promise((resolve) => entry.waiting.push(() => resolve(makeRelease(host))));
    },
    active: (host) => state.get(host)?.active ?? 0,
  };
}
