import type { Slot, SlotLimiter } from './slot-limiter.ts';

export const defaultHostLimit = 5;

/**
 * Per-EHR-host slots held in the database, shared by every worker process. The FHIR client takes the in-process
 * `HostLimiter` of fhir/host-limiter.ts; limits/fhir-host-limiter.ts adapts these slots to it.
 */
export interface HostSlots {
  readonly hostLimit: number;
  /**
   * Waits until fewer than `hostLimit` requests to this EHR host are in flight across ALL worker processes, then
   * holds one slot until `release()`. `host` is a URL or a bare `host[:port]`.
   */
  acquireHostSlot(host: string | URL, signal?: AbortSignal): Promise<Slot>;
  /** Runs `work` while holding a slot of the host. */
  withHostSlot<T>(host: string | URL, work: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

/** The pool name of an EHR host: its `host:port` (lower-case), so two hospitals on one server share one limit. */
export function hostPoolFor(host: string | URL): string {
  const value = typeof host === 'string' && !host.includes('://') ? `https://${host}` : host;
  return `host:${new URL(value).host.toLowerCase()}`;
}

/** Per-EHR-host limits through the database (default 5), the adapter the FHIR client takes. */
export function createHostSlots(input: { limiter: SlotLimiter; hostLimit?: number }): HostSlots {
  const hostLimit = input.hostLimit ?? defaultHostLimit;
  const acquireHostSlot = (host: string | URL, signal?: AbortSignal) =>
    input.limiter.acquire(hostPoolFor(host), hostLimit, signal);
  return {
    hostLimit,
    acquireHostSlot,
    async withHostSlot(host, work, signal) {
      const slot = await acquireHostSlot(host, signal);
      try {
        return await work();
      } finally {
        await slot.release();
      }
    },
  };
}
