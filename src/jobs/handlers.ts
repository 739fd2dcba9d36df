import { isChartbridgeError, type ChartbridgeErrorCode } from '../errors.ts';
import type { HostLimiter } from '../fhir/host-limiter.ts';
import type { Services } from '../services.ts';
import type { JobContext, JobHandler, JobHandlers, JobResult } from './job-context.ts';

/** Outcomes that retrying cannot change (case 20: no retry loop): the job ends as skipped with the code. */
const terminalCodes: ChartbridgeErrorCode[] = [
  'ERR_INVALID_GRANT',
  'ERR_CONNECTION_INACTIVE',
  'ERR_NOT_REFRESHABLE',
  'ERR_NOT_FOUND',
  'ERR_SEAL_INVALID',
];

function skippedFor(error: unknown): JobResult | null {
  for (const code of terminalCodes) {
    if (isChartbridgeError(error, code)) return { status: 'skipped', reason: code };
  }
  return null;
}

/**
 * The scheduled refresh: skipped when the connection is no longer active or someone already refreshed it (its
 * token now lasts beyond the planning window); otherwise one vault refresh, single-flight across processes.
 */
export function createRefreshHandler(
  services: Pick<Services, 'repos' | 'vault' | 'clock'>,
  options: { freshForMs: number },
): JobHandler {
  return async (context) => {
    const row = await services.repos.connections.findById(context.connectionId);
    if (!row) return { status: 'skipped', reason: 'ERR_NOT_FOUND' };
    if (row.status !== 'active') return { status: 'skipped', reason: `connection is ${row.status}` };
    if (context.tokenVersion !== undefined && row.token_version !== context.tokenVersion) {
      return { status: 'skipped', reason: 'already refreshed since requested' };
    }
    if ((row.access_expires_at ?? 0) - services.clock.now() > options.freshForMs) {
      return { status: 'skipped', reason: 'token already fresh' };
    }
    try {
      const summary = await services.vault.refreshNow(context.connectionId);
      return { status: 'done', tokenVersion: summary.tokenVersion };
    } catch (error) {
      const skipped = skippedFor(error);
      if (skipped) return skipped;
      throw error;
    }
  };
}

/** What the sync engine offers the worker (src/sync): one run for one connection, resumable from its checkpoint. */
export type SyncRunner = (input: {
  connectionId: string;
  full: boolean;
  signal: AbortSignal;
  /** Per-host request limits shared by every worker process (adapter over the database slots). */
  limiter: HostLimiter;
  context: JobContext;
}) => Promise<unknown>;

/** The sync job: runs the sync engine; an inactive connection is a no-op, not a failure. */
export function createSyncHandler(input: { runSync: SyncRunner; limiter: HostLimiter }): JobHandler {
  return async (context) => {
    try {
      await input.runSync({
        connectionId: context.connectionId,
        full: context.full,
        signal: context.signal,
        limiter: input.limiter,
        context,
      });
      return { status: 'done' };
    } catch (error) {
      const skipped = skippedFor(error);
      if (skipped) return skipped;
      throw error;
    }
  };
}

export function createJobHandlers(input: {
  services: Pick<Services, 'repos' | 'vault' | 'clock'>;
  runSync: SyncRunner;
  limiter: HostLimiter;
  refreshFreshForMs: number;
}): JobHandlers {
  return {
    refresh: createRefreshHandler(input.services, { freshForMs: input.refreshFreshForMs }),
    sync: createSyncHandler(input),
  };
}
