import type { HostLimiter } from '../../fhir/host-limiter.ts';
import type { HostSlots } from './host-slots.ts';

/**
 * Adapts the database-enforced host limiter to the FHIR client's limiter interface, so every request the FHIR
 * client makes holds one of the host's slots shared by ALL worker processes (ten workers stay at five requests).
 */
export function createFhirHostLimiter(hosts: HostSlots): HostLimiter {
  const active = new Map<string, number>();
  const change = (host: string, delta: number) => active.set(host, (active.get(host) ?? 0) + delta);
  return {
    async acquire(host) {
      const slot = await hosts.acquireHostSlot(host);
      change(host, 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        change(host, -1);
        // Fire and forget: the slot's lease expires on its own if the database is unreachable right now.
        void slot.release().catch(() => undefined);
      };
    },
    active: (host) => active.get(host) ?? 0,
  };
}
