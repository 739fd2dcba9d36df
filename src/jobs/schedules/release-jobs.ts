import type { JobName } from '../job-queue.ts';
import type { WaitingJob } from '../../store/jobs-schedules.ts';
import type { TickDeps } from './schedule-settings.ts';

export interface ReleaseResult {
  /** Jobs put in the queue. */
  queued: number;
  /** Due jobs left in their schedule rows because the queue holds `queueLimit` of this kind. */
  waiting: number;
}

/**
 * Puts planned jobs that start within the horizon into the queue, earliest first, while fewer than `queueLimit`
 * of this kind wait there: the queue holds the next minutes of work, the schedule table the rest. When more is
 * due than the workers take (100,000 connections due at once, case 45), the rest waits here in order and each
 * tick tops the queue up, so the queue's fetch stays cheap and nothing is skipped or re-planned. A row whose
 * connection is gone, no longer active or (for a refresh) holds other tokens since is dropped: the planning step
 * makes a new one if the connection needs it.
 */
export async function releaseDue(deps: TickDeps, name: JobName, budgetMs: number): Promise<ReleaseResult> {
  const { settings, clock, schedules, queue } = deps;
  const until = clock.now() + budgetMs;
  const room = settings.queueLimit - (await queue.queued(name, clock.now() + settings.horizonMs));
  let queued = 0;
  for (;;) {
    const now = clock.now();
    const dueBefore = now + settings.horizonMs;
    const take = Math.min(settings.batchSize, room - queued);
    if (take <= 0 || now >= until) return { queued, waiting: await schedules.countWaiting(name, dueBefore) };
    const rows = await schedules.listWaiting(name, dueBefore, take);
    await schedules.dropWaiting(
      name,
      rows
        .filter((row) => !row.current)
        .map((row) => ({ connectionId: row.connection_id, nextAt: row.next_at })),
    );
    const live = rows.filter((row) => row.current);
    queued += name === 'refresh' ? await queueRefreshes(deps, live, now) : await queueSyncs(deps, live, now);
    if (rows.length < take) return { queued, waiting: 0 };
  }
}

/** Queues first, then marks: a crash in between queues the batch again, and the queue coalesces the twins. */
async function queueRefreshes(deps: TickDeps, rows: WaitingJob[], now: number): Promise<number> {
  const plans = rows.map((row) => ({
    connectionId: row.connection_id,
    tokenVersion: row.token_version ?? 0,
  }));
  await deps.queue.sendMany(
    'refresh',
    rows.map((row, i) => ({ data: plans[i]!, startAfter: row.next_at })),
  );
  await deps.schedules.markRefreshesQueued(plans, now);
  return rows.length;
}

/**
 * Queues first, then moves each row to its next period by compare-and-swap: a crash in between queues the period
 * again (the queue coalesces the twin while it waits; the connection's lease keeps two from running at once), where
 * the other order would lose the period. The next period keeps the connection's time of day; after an outage
 * longer than the interval it starts an interval from now plus a fresh jitter, so a backlog does not line every
 * connection up on the moment it drained.
 */
async function queueSyncs(deps: TickDeps, rows: WaitingJob[], now: number): Promise<number> {
  const { resyncIntervalMs, resyncJitterMs } = deps.settings;
  await deps.queue.sendMany(
    'sync',
    rows.map((row) => ({ data: { connectionId: row.connection_id }, startAfter: row.next_at })),
  );
  await deps.schedules.advanceSyncs(
    rows.map((row) => ({
      connectionId: row.connection_id,
      previous: row.next_at,
      next:
        row.next_at + resyncIntervalMs > now
          ? row.next_at + resyncIntervalMs
          : now + resyncIntervalMs + Math.round(deps.random() * resyncJitterMs),
    })),
  );
  return rows.length;
}
