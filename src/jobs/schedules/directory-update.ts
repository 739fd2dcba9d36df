import type { Clock } from '../../clock.ts';
import type { UpdateResult } from '../../directory/update-directory.ts';
import type { Logger } from '../../log/logger.ts';
import type { JobLeaseRepository } from '../../store/jobs-leases.ts';
import { describeFailure } from '../run-job.ts';

export interface DirectoryUpdateSettings {
  /** CHARTBRIDGE_DIRECTORY_URL: no URL, no scheduled update. */
  url: string | undefined;
  /** CHARTBRIDGE_DIRECTORY_UPDATE_HOURS (default daily); 0 turns the schedule off. */
  intervalMs: number;
  /** After a failed attempt the next one comes this much later (at most one interval). */
  retryMs: number;
  /** A running update's lease, renewed while it runs: a worker that dies mid-import is replaced this long after. */
  runLeaseMs: number;
}

export const defaultDirectoryUpdateSettings: DirectoryUpdateSettings = {
  url: undefined,
  intervalMs: 24 * 3_600_000,
  retryMs: 3_600_000,
  runLeaseMs: 15 * 60_000,
};

export type DirectoryUpdateOutcome = 'off' | 'not_due' | 'failed' | UpdateResult['status'];

/** The schedule's lease: while held (running, or until the next update is due) no other worker updates. */
export const DIRECTORY_UPDATE_LEASE = 'schedule:directory-update';

/**
 * `directory update` on a schedule: the lease row is the schedule. Whoever acquires it (only possible once the
 * previous holder's time ran out) downloads and imports, skipped when the content is unchanged; then it keeps the
 * lease until the next update is due (one interval on, or `retryMs` after a failure), so every worker agrees.
 */
export async function updateDirectoryIfDue(
  deps: {
    leases: JobLeaseRepository;
    owner: string;
    clock: Clock;
    log: Logger;
    update(url: string): Promise<UpdateResult>;
  },
  settings: DirectoryUpdateSettings,
): Promise<DirectoryUpdateOutcome> {
  if (!settings.url || settings.intervalMs <= 0) return 'off';
  const { leases, clock } = deps;
  const ttlMs = settings.runLeaseMs;
  const grant = await leases.acquire({
    key: DIRECTORY_UPDATE_LEASE,
    owner: deps.owner,
    ttlMs,
    now: clock.now(),
  });
  if (!grant) return 'not_due';
  const heartbeat = setInterval(() => {
    leases.renew(grant, ttlMs, clock.now()).catch(() => undefined);
  }, ttlMs / 3);
  heartbeat.unref();
  let nextInMs = settings.intervalMs;
  try {
    const result = await deps.update(settings.url);
    deps.log.info({ status: result.status, bytes: result.bytes }, 'scheduled directory update');
    return result.status;
  } catch (error) {
    nextInMs = Math.min(settings.retryMs, settings.intervalMs);
    deps.log.warn({ err: describeFailure(error), retryInMs: nextInMs }, 'scheduled directory update failed');
    return 'failed';
  } finally {
    clearInterval(heartbeat);
    await leases.renew(grant, nextInMs, clock.now()).catch(() => undefined);
  }
}
