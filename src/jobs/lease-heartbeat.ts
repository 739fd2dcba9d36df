import type { Clock } from '../clock.ts';
import { leaseLostError, type Fence, type JobLeaseRepository } from '../store/jobs-leases.ts';

export interface LeaseHeartbeatDeps {
  leases: JobLeaseRepository;
  clock: Clock;
  leaseTtlMs: number;
  heartbeatMs: number;
}

/**
 * Renews a held lease every `heartbeatMs`. When the lease is gone (taken over after a stall), or the database has
 * been unreachable for longer than the lease lasts, `controller` aborts with ERR_LEASE_LOST so the work stops.
 * Returns the function that stops the heartbeat.
 */
export function startLeaseHeartbeat(
  deps: LeaseHeartbeatDeps,
  fence: Fence,
  controller: AbortController,
): () => void {
  let lastRenewed = deps.clock.now();
  const timer = setInterval(() => {
    deps.leases.renew(fence, deps.leaseTtlMs, deps.clock.now()).then(
      (held) => {
        if (held) lastRenewed = deps.clock.now();
        else controller.abort(leaseLostError(fence.key));
      },
      () => {
        // The database is unreachable: keep trying, but once the lease has surely expired, stop working.
        if (deps.clock.now() - lastRenewed > deps.leaseTtlMs) controller.abort(leaseLostError(fence.key));
      },
    );
  }, deps.heartbeatMs);
  timer.unref();
  return () => clearInterval(timer);
}
