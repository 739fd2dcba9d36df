import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { ChartbridgeError } from '../errors.ts';
import type { Store } from '../store/database.ts';
import { createJobLeaseRepository, type Fence } from '../store/jobs-leases.ts';
import { startLeaseHeartbeat } from './lease-heartbeat.ts';
import { leaseKeyFor } from './run-job.ts';

const LEASE_TTL_MS = 30_000;

/**
 * Runs a sync started by hand (`chartbridge connections sync`) under the lease a worker's sync job of the same
 * connection holds (`sync:{connectionId}`), and hands `work` the fence for its page commits: a sync by hand never
 * runs beside a worker's, and no worker starts one while it runs (the job waits and runs after).
 */
export async function withManualSyncLease<T>(
  deps: { store: Store; clock: Clock },
  connectionId: string,
  work: (lease: { fence: Fence; signal: AbortSignal }) => Promise<T>,
): Promise<T> {
  const leases = createJobLeaseRepository(deps.store.db, deps.store.dialect);
  const key = leaseKeyFor('sync', connectionId);
  const now = deps.clock.now();
  const current = await leases.find(key);
  if (current?.owner && current.expiresAt > now) throw busyError(connectionId);
  // A crashed worker's job is still named on its expired lease, for a worker's reaper to fail over; taking the
  // lease now would erase that record and leave the job marked active.
  if (current?.owner && current.jobId) throw interruptedError(connectionId);
  const owner = `cli:${process.pid}:${randomUUID().slice(0, 8)}`;
  const fence = await leases.acquire({ key, owner, ttlMs: LEASE_TTL_MS, now });
  if (!fence) throw busyError(connectionId);
  const controller = new AbortController();
  const heartbeat = { leases, clock: deps.clock, leaseTtlMs: LEASE_TTL_MS, heartbeatMs: LEASE_TTL_MS / 3 };
  const stopHeartbeat = startLeaseHeartbeat(heartbeat, fence, controller);
  try {
    return await work({ fence, signal: controller.signal });
  } finally {
    stopHeartbeat();
    await leases.release(fence).catch(() => undefined);
  }
}

function busyError(connectionId: string): ChartbridgeError {
  return new ChartbridgeError(
    'ERR_CONFLICT',
    `a worker is syncing connection '${connectionId}' right now; its run shows in 'chartbridge connections show ${connectionId}' when it ends`,
  );
}

function interruptedError(connectionId: string): ChartbridgeError {
  return new ChartbridgeError(
    'ERR_CONFLICT',
    `a worker's sync of connection '${connectionId}' stopped without finishing; a running 'chartbridge worker' takes it over within a minute`,
  );
}
