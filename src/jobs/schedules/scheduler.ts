import type { Clock } from '../../clock.ts';
import type { Logger } from '../../log/logger.ts';
import type { Store } from '../../store/database.ts';
import { createJobLeaseRepository } from '../../store/jobs-leases.ts';
import { createScheduleRepository } from '../../store/jobs-schedules.ts';
import type { JobQueue } from '../job-queue.ts';
import { describeFailure } from '../run-job.ts';
import type { UpdateResult } from '../../directory/update-directory.ts';
import {
  defaultDirectoryUpdateSettings,
  updateDirectoryIfDue,
  type DirectoryUpdateOutcome,
  type DirectoryUpdateSettings,
} from './directory-update.ts';
import { sendDueNotices, type NoticeSender } from './notices.ts';
import { planRefreshes, planResyncs } from './plan-jobs.ts';
import { releaseDue } from './release-jobs.ts';
import { defaultScheduleSettings, type ScheduleSettings, type TickDeps } from './schedule-settings.ts';

export interface ScheduleTickResult {
  /** Refreshes and syncs put in the queue by this tick. */
  refreshes: number;
  syncs: number;
  /** Due jobs left waiting in their schedule rows because the queue is full (they go at the next tick). */
  waiting: number;
  notices: number;
}

/** How soon a tick that left due work waiting (the queue at its limit) is followed by the next. */
const catchUpMs = 5_000;

/**
 * The pause before the next tick: a full interval, or `catchUpMs` after a tick that left due jobs waiting, so
 * the queue is topped up about as fast as workers drain it while it stays shallow.
 */
export function nextTickDelayMs(result: ScheduleTickResult | null, intervalMs: number): number {
  return result !== null && result.waiting > 0 ? Math.min(catchUpMs, intervalMs) : intervalMs;
}

export interface Scheduler {
  tick(): Promise<ScheduleTickResult>;
  /** The scheduled `directory update`, when due (it runs beside the ticks, under its own lease). */
  updateDirectory(): Promise<DirectoryUpdateOutcome>;
  /** Pending revocations whose retry is due (case 28); each row is claimed, so any number of workers may run it. */
  retryRevocations(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * The scheduler: every `intervalMs` (sooner while due work waits for room in the queue) one process at a time (a
 * lease, not a leader election) plans refreshes and re-syncs, queues those falling due, and sends notices. Every
 * step is idempotent through rows, so a second scheduler would change nothing. The directory update (when a URL is
 * configured) runs on its own timer and lease, so a long import holds up neither the ticks nor a shutdown (an
 * import cut short swaps nothing in and is retried).
 */
export function createScheduler(input: {
  store: Store;
  queue: JobQueue;
  clock: Clock;
  log: Logger;
  owner: string;
  notify: NoticeSender;
  settings?: Partial<ScheduleSettings>;
  intervalMs?: number;
  random?: () => number;
  autoStart?: boolean;
  /** The scheduled `directory update`: settings (off without a URL) and the download-and-import it runs. */
  directory?: { settings: Partial<DirectoryUpdateSettings>; update(url: string): Promise<UpdateResult> };
  /** Retries due pending revocations; returns how many were attempted. */
  revocations?: () => Promise<number>;
}): Scheduler {
  const settings = { ...defaultScheduleSettings, ...input.settings };
  const schedules = createScheduleRepository(input.store.db);
  const leases = createJobLeaseRepository(input.store.db, input.store.dialect);
  const deps: TickDeps = {
    schedules,
    queue: input.queue,
    clock: input.clock,
    random: input.random ?? Math.random,
    settings,
  };
  const intervalMs = input.intervalMs ?? 30_000;

  // When this process last planned: a catch-up tick (sooner than the interval) only tops the queue up, because
  // planning and notices scan every connection (a primary-key lookup each) and look ahead more than an interval.
  let plannedAt = -Infinity;

  async function tick(): Promise<ScheduleTickResult> {
    // Each step takes at most a quarter of the interval: a tick stays inside its lease (two intervals).
    const step = intervalMs / 4;
    const planning = input.clock.now() - plannedAt >= intervalMs;
    if (planning) {
      plannedAt = input.clock.now();
      await planRefreshes(deps, step);
      await planResyncs(deps, step);
    }
    // Refreshes first: a late refresh loses the connection, a late sync only delays data.
    const refreshes = await releaseDue(deps, 'refresh', step);
    const syncs = await releaseDue(deps, 'sync', step);
    const notices = planning
      ? await sendDueNotices({ ...deps, store: input.store, notify: input.notify, log: input.log })
      : 0;
    return {
      refreshes: refreshes.queued,
      syncs: syncs.queued,
      waiting: refreshes.waiting + syncs.waiting,
      notices,
    };
  }

  async function guardedTick(): Promise<ScheduleTickResult | null> {
    const grant = await leases.acquire({
      key: 'scheduler',
      owner: input.owner,
      ttlMs: intervalMs * 2,
      now: input.clock.now(),
    });
    if (!grant) return null;
    try {
      const result = await tick();
      if (result.refreshes + result.syncs + result.waiting + result.notices > 0)
        input.log.info(result, 'scheduler queued work');
      return result;
    } finally {
      await leases.release(grant);
    }
  }

  const directory = input.directory;
  const directorySettings = { ...defaultDirectoryUpdateSettings, ...directory?.settings };
  function updateDirectory(): Promise<DirectoryUpdateOutcome> {
    if (!directory) return Promise.resolve('off');
    // Its own owner name: a worker's shutdown (releaseOwner) must not cut the schedule short.
    const deps = { ...input, leases, owner: `${input.owner}/directory`, update: directory.update };
    return updateDirectoryIfDue(deps, directorySettings);
  }

  const retryRevocations = input.revocations ?? (() => Promise.resolve(0));

  let stopped = false;
  let tickTimer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  // One tick at a time, each timed from the end of the last (a catch-up tick comes sooner).
  const scheduleTick = (delayMs: number) => {
    tickTimer = setTimeout(() => {
      current = guardedTick()
        .catch((error: unknown) => {
          input.log.warn({ err: describeFailure(error) }, 'scheduler tick failed');
          return null;
        })
        .then((result) => {
          if (!stopped) scheduleTick(nextTickDelayMs(result, intervalMs));
        });
    }, delayMs);
    tickTimer.unref();
  };
  let timer: NodeJS.Timeout | undefined;
  let directoryRun: Promise<unknown> | undefined;
  // Apart from the tick too: an EHR that answers slowly must not hold up refresh planning.
  let revocationRun: Promise<unknown> | undefined;
  if (input.autoStart !== false) {
    scheduleTick(intervalMs);
    timer = setInterval(() => {
      directoryRun ??= updateDirectory()
        .catch((error: unknown) =>
          input.log.warn({ err: describeFailure(error) }, 'directory update schedule failed'),
        )
        .finally(() => (directoryRun = undefined));
      revocationRun ??= retryRevocations()
        .then((attempted) => attempted > 0 && input.log.info({ attempted }, 'pending revocations retried'))
        .catch((error: unknown) =>
          input.log.warn({ err: describeFailure(error) }, 'revocation retries failed'),
        )
        .finally(() => (revocationRun = undefined));
    }, intervalMs);
    timer.unref();
  }
  return {
    tick,
    updateDirectory,
    retryRevocations,
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearTimeout(tickTimer);
      await current;
      await revocationRun;
    },
  };
}
