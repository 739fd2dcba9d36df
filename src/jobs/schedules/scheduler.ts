import type { Clock } from '../../clock.ts';
import type { Logger } from '../../log/logger.ts';
import type { Store } from '../../store/database.ts';
import { createJobLeaseRepository } from '../../store/jobs-leases.ts';
import { createScheduleRepository, type ScheduleRepository } from '../../store/jobs-schedules.ts';
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

export interface ScheduleSettings {
  /** Refresh this long before the access token expires… */
  refreshAheadMs: number;
  /** …minus a random part up to this, so thousands of tokens expiring together do not refresh together. */
  refreshJitterMs: number;
  /** Incremental re-sync period per connection, and the random spread added to each planned time. */
  resyncIntervalMs: number;
  resyncJitterMs: number;
  /** Warn this long before a patient's persistent access ends. */
  noticeAheadMs: number;
  /** How far ahead each tick plans (jobs carry their own start time). */
  horizonMs: number;
  batchSize: number;
}

export const defaultScheduleSettings: ScheduleSettings = {
  refreshAheadMs: 10 * 60_000,
  refreshJitterMs: 5 * 60_000,
  resyncIntervalMs: 24 * 3_600_000,
  resyncJitterMs: 60 * 60_000,
  noticeAheadMs: 14 * 86_400_000,
  horizonMs: 60_000,
  batchSize: 2000,
};

export interface ScheduleTickResult {
  refreshes: number;
  syncs: number;
  notices: number;
}

interface TickDeps {
  schedules: ScheduleRepository;
  queue: JobQueue;
  clock: Clock;
  random: () => number;
  settings: ScheduleSettings;
}

/**
 * Plans refresh-ahead jobs: each starts at a random point of [expiry − ahead − jitter, expiry − ahead]. Batch by
 * batch (one query, one queue insert and one schedule upsert each) until none is left or `budgetMs` has passed:
 * 100,000 tokens expiring together are planned in one tick, not one batch per tick (case 45).
 */
export async function planRefreshes(deps: TickDeps, budgetMs = Infinity): Promise<number> {
  const { settings, clock } = deps;
  const until = clock.now() + budgetMs;
  let planned = 0;
  for (;;) {
    const now = clock.now();
    const due = await deps.schedules.listRefreshDue(
      now + settings.refreshAheadMs + settings.refreshJitterMs + settings.horizonMs,
      now - 3_600_000,
      settings.batchSize,
    );
    await deps.queue.sendMany(
      'refresh',
      due.map((row) => {
        const target =
          row.access_expires_at - settings.refreshAheadMs - deps.random() * settings.refreshJitterMs;
        return {
          data: { connectionId: row.id, tokenVersion: row.token_version },
          startAfter: Math.max(now, Math.round(target)),
        };
      }),
    );
    // Marked after queuing: a crash in between re-plans the batch, and the queue coalesces the twins.
    await deps.schedules.markRefreshesPlanned(
      due.map((row) => ({ connectionId: row.id, tokenVersion: row.token_version })),
      now,
    );
    planned += due.length;
    if (due.length < settings.batchSize || clock.now() >= until) return planned;
  }
}

/**
 * Plans incremental re-syncs: one per interval per connection, each moved by a random jitter. Batch by batch like
 * refreshes; each batch's schedule rows move first (compare-and-swap), and only the moved ones are queued.
 */
export async function planResyncs(deps: TickDeps, budgetMs = Infinity): Promise<number> {
  const { settings, clock } = deps;
  const until = clock.now() + budgetMs;
  const jitter = () => Math.round(deps.random() * settings.resyncJitterMs);
  let planned = 0;
  for (;;) {
    const now = clock.now();
    const due = await deps.schedules.listSyncDue(now + settings.horizonMs, settings.batchSize);
    const plans = due.map((row) => {
      if (row.next_at === null) {
        // First sight of this connection: its first re-sync is one interval after its last sync. One that never
        // synced gets its first sync now — a safety net when nothing enqueued it at connect time.
        const first = row.never_synced ? now : row.base_at;
        const next = first + settings.resyncIntervalMs + jitter();
        return { row, startAfter: row.never_synced ? now : null, next };
      }
      // Connections overdue together (after an outage) still start spread over the jitter window.
      const startAfter = Math.max(row.next_at, now + jitter());
      return { row, startAfter, next: startAfter + settings.resyncIntervalMs };
    });
    const moved = await deps.schedules.advanceSyncs(
      plans.map((p) => ({ connectionId: p.row.id, previous: p.row.next_at, next: p.next })),
    );
    const jobs = plans.flatMap((p) =>
      p.startAfter !== null && moved.has(p.row.id)
        ? [{ data: { connectionId: p.row.id }, startAfter: p.startAfter }]
        : [],
    );
    await deps.queue.sendMany('sync', jobs);
    planned += jobs.length;
    if (due.length < settings.batchSize || clock.now() >= until) return planned;
  }
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
 * The scheduler: every `intervalMs` one process at a time (a lease, not a leader election) plans refreshes,
 * re-syncs and notices. Every step is idempotent through rows, so a second scheduler would change nothing. The
 * directory update (when a URL is configured) starts from the same timer but runs apart, under its own lease, so a
 * long import holds up neither the ticks nor a shutdown (an import cut short swaps nothing in and is retried).
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

  async function tick(): Promise<ScheduleTickResult> {
    // Each kind plans for at most half the interval: a tick stays inside its lease (two intervals).
    const refreshes = await planRefreshes(deps, intervalMs / 2);
    const syncs = await planResyncs(deps, intervalMs / 2);
    const notices = await sendDueNotices({
      ...deps,
      store: input.store,
      notify: input.notify,
      log: input.log,
    });
    return { refreshes, syncs, notices };
  }

  async function guardedTick(): Promise<void> {
    const grant = await leases.acquire({
      key: 'scheduler',
      owner: input.owner,
      ttlMs: intervalMs * 2,
      now: input.clock.now(),
    });
    if (!grant) return;
    try {
      const result = await tick();
      if (result.refreshes + result.syncs + result.notices > 0)
        input.log.info(result, 'scheduler planned work');
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

  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  let directoryRun: Promise<unknown> | undefined;
  // Apart from the tick too: an EHR that answers slowly must not hold up refresh planning.
  let revocationRun: Promise<unknown> | undefined;
  if (input.autoStart !== false) {
    timer = setInterval(() => {
      current = guardedTick().catch((error: unknown) =>
        input.log.warn({ err: describeFailure(error) }, 'scheduler tick failed'),
      );
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
      clearInterval(timer);
      await current;
      await revocationRun;
    },
  };
}
